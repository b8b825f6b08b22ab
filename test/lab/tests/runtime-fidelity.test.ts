// Topology options of the runtime that follow real TKEStack masters (fidelity-audit.md rows 2, 6, 7):
// `systemd: real` (kubelet.service with Restart=always, RestartSec=10, StartLimitInterval=0),
// `crictlOnDocker` (crictl on dockershim lists the docker containers), `hostEtcdctl: false`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeSessionDropShims } from '../infra/shims.js';
import { installRuntimeShims } from '../node/runtime/install.js';
import {
  distMissing,
  labDist,
  namespaceNode,
  namespaceTestsSkipReason,
  reactMs,
  RuntimeTestNode,
  sleep,
  waitFor,
} from './fixtures/runtime-node.js';

/** Shortened RestartSec for the test (the unit's default is the real 10 s). */
const restartSec = 2;
const env = { KCRLAB_SYSTEMD_RESTART_SEC: String(restartSec) };
const nodes: RuntimeTestNode[] = [];

function realSystemdNode(): RuntimeTestNode {
  const node = new RuntimeTestNode({ runtime: 'docker', intervalMs: 500, netns: false });
  nodes.push(node);
  const file = node.file('var/lib/kcrlab/node.json');
  fs.writeFileSync(file, JSON.stringify({ ...(JSON.parse(fs.readFileSync(file, 'utf8')) as object), systemd: 'real' }));
  return node;
}

const show = (node: RuntimeTestNode): Record<string, string> =>
  Object.fromEntries(
    node
      .run('systemctl', ['show', 'kubelet', '-p', 'NRestarts,ActiveEnterTimestamp'])
      .stdout.trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('systemd: real', () => {
  beforeAll(() => {
    const missing = distMissing();
    if (missing) throw new Error(missing);
  });
  afterEach(() => {
    for (const node of nodes.splice(0)) {
      node.run('systemctl', ['stop', 'kubelet'], env);
      node.destroy();
    }
  });

  it('restart returns as soon as the kubelet is forked; show answers NRestarts and ActiveEnterTimestamp', async () => {
    const node = realSystemdNode();
    node.writeKubeletConf(100);
    expect(node.run('systemctl', ['show', 'kubelet', '-p', 'NRestarts,ActiveEnterTimestamp']).stdout).toBe(
      'NRestarts=0\nActiveEnterTimestamp=\n',
    );
    const started = Date.now();
    expect(node.run('systemctl', ['start', 'kubelet'], env).code).toBe(0);
    expect(node.run('systemctl', ['is-active', 'kubelet'])).toMatchObject({ code: 0, stdout: 'active\n' });
    const first = show(node);
    expect(first.NRestarts).toBe('0');
    expect(first.ActiveEnterTimestamp).toMatch(/^\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(
      Math.abs(
        Date.parse(
          first.ActiveEnterTimestamp?.replace(/^\w{3} /, '')
            .replace(' UTC', 'Z')
            .replace(' ', 'T') ?? '',
        ) - started,
      ),
    ).toBeLessThan(3000);
    // Properties come in systemd's order (Service before Unit), whatever the order asked.
    expect(node.run('systemctl', ['show', 'kubelet', '-p', 'ActiveEnterTimestamp', '-p', 'NRestarts']).stdout).toMatch(
      /^NRestarts=0\nActiveEnterTimestamp=/,
    );
    expect(node.run('systemctl', ['show', 'kubelet', '-p', 'NRestarts', '--value']).stdout).toBe('0\n');
    await waitFor('the kubelet to pass its checks', 10_000, () =>
      node.kubeletLog().includes('Starting kubelet main sync loop.'),
    );
  });

  it('a kubelet that dies at start is restarted every RestartSec: active / activating (auto-restart), never failed', async () => {
    const node = realSystemdNode();
    node.writeKubeletConf(-3); // expired, no bootstrap-kubelet.conf: the kubelet exits 255 at start
    expect(node.run('systemctl', ['restart', 'kubelet'], env).code).toBe(0);
    // Sampled until systemd has restarted it twice: each cycle is a Node start, its death and
    // RestartSec, so on a loaded machine a cycle takes longer than RestartSec alone (bounded at 60 s).
    const seen = new Set<string>();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && Number(show(node).NRestarts) < 2) {
      const r = node.run('systemctl', ['is-active', 'kubelet']);
      seen.add(r.stdout.trim());
      if (r.stdout === 'activating\n') expect(r.code).toBe(3);
      await sleep(100);
    }
    expect(Number(show(node).NRestarts)).toBeGreaterThanOrEqual(2);
    expect(seen).toContain('activating');
    expect(seen).not.toContain('failed');
    expect(node.run('systemctl', ['is-failed', 'kubelet']).code).toBe(1);
    // `status` read inside an auto-restart window (RestartSec long; a loaded machine can miss one).
    let status = node.run('systemctl', ['status', 'kubelet']);
    await waitFor('status during auto-restart', 30_000, () =>
      (status = node.run('systemctl', ['status', 'kubelet'])).stdout.includes('activating (auto-restart)'),
    );
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(/Active: activating \(auto-restart\) \(Result: exit-code\) since /);
    expect(status.stdout).toContain('(code=exited, status=255)');
    // A manual start flushes the counter.
    node.writeKubeletConf(100);
    expect(node.run('systemctl', ['restart', 'kubelet'], env).code).toBe(0);
    expect(show(node).NRestarts).toBe('0');
    await sleep(restartSec * 1000 + 500);
    expect(node.run('systemctl', ['is-active', 'kubelet']).stdout).toBe('active\n');
    expect(show(node).NRestarts).toBe('0');
  }, 120_000);

  it('stop leaves it inactive, with no process left', async () => {
    const node = realSystemdNode();
    node.writeKubeletConf(100);
    node.run('systemctl', ['start', 'kubelet'], env);
    await waitFor('the kubelet pid', 10_000, () => fs.existsSync(node.file('var/lib/kcrlab/runtime/kubelet.pid')));
    const pid = Number(fs.readFileSync(node.file('var/lib/kcrlab/runtime/kubelet.pid'), 'utf8'));
    expect(node.run('systemctl', ['stop', 'kubelet']).code).toBe(0);
    expect(node.run('systemctl', ['is-active', 'kubelet'])).toMatchObject({ code: 3, stdout: 'inactive\n' });
    await sleep(restartSec * 1000 + 500);
    expect(node.run('systemctl', ['is-active', 'kubelet']).stdout).toBe('inactive\n');
    expect(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
  });

  it('the installer leaves out the is-active fast path (it reads the simulated state file)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kcrlab-fid-'));
    installRuntimeShims(root, { runtime: 'docker', nodeBin: process.execPath, labDist, systemd: 'real' });
    expect(fs.readFileSync(path.join(root, 'usr/local/bin/systemctl'), 'utf8')).not.toContain('is-active kubelet');
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('host tools', () => {
  it('crictlOnDocker installs crictl beside docker; hostEtcdctl: false writes no etcdctl wrapper', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kcrlab-fid-'));
    installRuntimeShims(root, { runtime: 'docker', nodeBin: process.execPath, labDist, crictlOnDocker: true });
    expect(fs.readdirSync(path.join(root, 'usr/local/bin')).sort()).toEqual(['crictl', 'date', 'docker', 'systemctl']);
    installRuntimeShims(root, { runtime: 'docker', nodeBin: process.execPath, labDist });
    expect(fs.readdirSync(path.join(root, 'usr/local/bin')).sort()).toEqual(['date', 'docker', 'systemctl']);
    writeSessionDropShims(root, process.execPath, labDist, { etcdctl: false });
    expect(fs.existsSync(path.join(root, 'usr/local/bin/etcdctl'))).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

const skip = namespaceTestsSkipReason('runtime-fidelity.test.ts');
describe.skipIf(skip !== null)('crictl on a docker master', () => {
  let node: RuntimeTestNode;
  beforeAll(async () => {
    node = namespaceNode('docker');
    node.write(
      'etc/kubernetes/manifests/kube-apiserver.yaml',
      node.manifest('kube-apiserver', 'k8s.gcr.io/kube-apiserver:v1.18.3', ['kube-apiserver']),
    );
    node.run('systemctl', ['start', 'kubelet']);
    await waitFor('the apiserver container', 10 * reactMs, () => node.latest('kube-apiserver')?.state === 'running');
  });
  afterAll(() => node?.destroy());

  it('lists the same kube-apiserver container as docker (the dockershim socket)', () => {
    const docker = node.run('docker', [
      'ps',
      '-q',
      '--no-trunc',
      '-f',
      'label=io.kubernetes.container.name=kube-apiserver',
    ]);
    const crictl = node.run('crictl', ['ps', '-q', '--label', 'io.kubernetes.container.name=kube-apiserver']);
    expect(docker.code).toBe(0);
    expect(crictl.code, crictl.stderr).toBe(0);
    expect(docker.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(crictl.stdout).toBe(docker.stdout);
  });
});

describe.skipIf(skip !== null)('fault etcdSlowStartSeconds', () => {
  let node: RuntimeTestNode;
  afterAll(() => node?.destroy());

  it('etcd runs but answers only N s after its start (same pid)', async () => {
    node = namespaceNode('docker');
    node.write('var/lib/kcrlab/faults.json', JSON.stringify({ etcdSlowStartSeconds: 4 }));
    node.write('etc/kubernetes/manifests/etcd.yaml', node.etcdManifest());
    node.run('systemctl', ['start', 'kubelet']);
    const rec = await waitFor('the etcd container', 10 * reactMs, () =>
      node.latest('etcd')?.state === 'running' ? node.latest('etcd') : undefined,
    );
    const startedAt = Date.parse(rec.startedAt);
    const health = (): boolean =>
      node.exec(['curl', '-sf', '--max-time', '1', 'http://127.0.0.1:2379/health']).code === 0;
    expect(health()).toBe(false);
    await waitFor('etcd to answer', 20_000, health);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(4000);
    expect(node.latest('etcd')?.id).toBe(rec.id);
    expect(fs.readFileSync(`/proc/${rec.pid}/comm`, 'utf8').trim()).toBe('etcd');
  });
});
