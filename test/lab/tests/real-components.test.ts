// `components: real` (test/lab/README.md): the real kubeadm, kube-apiserver, kube-controller-manager
// and kube-scheduler 1.20.2 run in a lab master, over real etcd, from the static pod manifests; the
// cluster holds what `kubeadm init` leaves, so the real kubeadm reads its configuration without
// falling back. Judged by the real binaries themselves.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realKubernetesDir } from '../infra/real-binaries.js';
import { destroyLab, ensureBuilt, lab, labDir, labSkipReason, topologies, type CliResult } from './infra-helpers.js';

const node = 'real-m1';
const kubectl = (dir: string, args: string): CliResult =>
  lab(['exec', '--dir', dir, node, '--', 'sh', '-c', `kubectl --kubeconfig /etc/kubernetes/admin.conf ${args}`]);
/** kubectl's JSON output; a failed kubectl fails the test with its own error, not a JSON parse error. */
const kubectlJson = <T>(dir: string, args: string): T => {
  const r = kubectl(dir, `${args} -o json`);
  expect(r.code, `kubectl ${args}: ${r.stderr.trim()}`).toBe(0);
  return JSON.parse(r.stdout) as T;
};
const inNode = (dir: string, script: string): CliResult => lab(['exec', '--dir', dir, node, '--', 'sh', '-c', script]);
/** The certificate served on :6443 (serial), read with the real openssl inside the node. */
const servedSerial = (dir: string): string =>
  inNode(
    dir,
    'echo | openssl s_client -connect 127.0.0.1:6443 2>/dev/null | openssl x509 -noout -serial',
  ).stdout.trim();
const fileSerial = (dir: string): string =>
  inNode(dir, 'openssl x509 -noout -serial -in /etc/kubernetes/pki/apiserver.crt').stdout.trim();

describe.skipIf(labSkipReason !== null)('real components 1.20.2 in a lab master', () => {
  let dir = '';
  beforeAll(() => {
    ensureBuilt();
    dir = labDir('real-components');
    const up = lab(['up', '--topology', path.join(topologies, 'real-single.yaml'), '--dir', dir, '--quiet']);
    expect(
      up.stderr,
      'lab up (the real binaries are built by bash test/lab/real/build-kubernetes.sh, which .ci/setup runs)',
    ).toBe('');
    expect(up.code).toBe(0);
  });
  afterAll(() => {
    if (dir) destroyLab(dir);
  });

  it('runs the real binaries as the static pods of the manifests', () => {
    const status = JSON.parse(lab(['status', '--dir', dir, '--json']).stdout) as {
      clusters: { nodes: { components: Record<string, { pid: number; healthy: boolean }> }[] }[];
    };
    const components = status.clusters[0]?.nodes[0]?.components ?? {};
    for (const name of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      const c = components[name];
      expect(c?.healthy, name).toBe(true);
      expect(fs.readlinkSync(`/proc/${c?.pid}/exe`), name).toBe(path.join(realKubernetesDir(), name));
    }
    const version = kubectlJson<{ serverVersion: { gitVersion: string; gitCommit: string } }>(dir, 'version');
    expect(version.serverVersion.gitVersion).toBe('v1.20.2');
    expect(version.serverVersion.gitCommit).toBe('faecb196815e248d3ecfb03c680a4507229c2a56');
    expect(inNode(dir, 'kubeadm version -o short').stdout.trim()).toBe('v1.20.2');
  });

  it('holds what kubeadm init leaves: Node with its CRI socket, mirror pods with the advertise address, kubelet-config-1.20', () => {
    const nodeObj = kubectlJson<{
      metadata: { annotations: Record<string, string> };
      status: { conditions: { type: string; status: string }[] };
    }>(dir, `get node ${node}`);
    expect(nodeObj.metadata.annotations['kubeadm.alpha.kubernetes.io/cri-socket']).toBe('/var/run/dockershim.sock');
    expect(nodeObj.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    const mirror = kubectlJson<{ metadata: { annotations: Record<string, string> }; status: { phase: string } }>(
      dir,
      `-n kube-system get pod kube-apiserver-${node}`,
    );
    expect(mirror.metadata.annotations['kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint']).toMatch(
      /^10\.231\.\d+\.10:6443$/,
    );
    expect(mirror.metadata.annotations['kubernetes.io/config.mirror']).toMatch(/^[0-9a-f]{32}$/);
    expect(mirror.status.phase).toBe('Running');
    expect(kubectl(dir, '-n kube-system get cm kubelet-config-1.20 -o name').stdout.trim()).toBe(
      'configmap/kubelet-config-1.20',
    );
  });

  it('runs the TKE API deployments through the real controller-manager and scheduler', async () => {
    let running: string[] = [];
    for (let i = 0; i < 60 && running.length < 8; i++) {
      running = kubectl(dir, '-n tke get pods --field-selector=status.phase=Running -o name')
        .stdout.split('\n')
        .filter(Boolean);
      if (running.length < 8) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(running).toHaveLength(8);
  });

  it('the real kubeadm renews reading the cluster configuration, without falling back', () => {
    const r = inNode(dir, 'kubeadm certs renew all 2>/tmp/renew.err; echo "rc=$?"; cat /tmp/renew.err >&2');
    expect(r.stdout).toContain(
      "[renew] Reading configuration from the cluster...\n[renew] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n\ncertificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed\n",
    );
    expect(r.stdout).not.toContain('Falling back to default configuration');
    expect(r.stdout).toContain('rc=0');
  });

  it('the real API server serves a renewed certificate within a minute, without a restart', async () => {
    const before = JSON.parse(lab(['status', '--dir', dir, '--json']).stdout) as {
      clusters: { nodes: { components: Record<string, { pid: number }> }[] }[];
    };
    const pid = before.clusters[0]?.nodes[0]?.components['kube-apiserver']?.pid;
    const renewed = inNode(dir, 'kubeadm certs renew apiserver >/dev/null 2>&1; echo $?');
    expect(renewed.stdout.trim()).toBe('0');
    const want = fileSerial(dir);
    let served = servedSerial(dir);
    // FileRefreshDuration is one minute (dynamic_serving_content.go); allow the poll to land.
    const deadline = Date.now() + 75_000;
    while (served !== want && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      served = servedSerial(dir);
    }
    expect(served).toBe(want);
    const after = JSON.parse(lab(['status', '--dir', dir, '--json']).stdout) as typeof before;
    expect(after.clusters[0]?.nodes[0]?.components['kube-apiserver']?.pid).toBe(pid);
  }, 100_000);
});
