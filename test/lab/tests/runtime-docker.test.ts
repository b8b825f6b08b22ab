// The kubelet simulator and the docker shim on a docker-runtime node: real etcd and fake control
// plane components as static pods, in a throwaway network namespace.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isPidAlive,
  namespaceNode,
  namespaceTestsSkipReason,
  reactMs,
  type RuntimeTestNode,
  sleep,
  testIntervalMs,
  waitFor,
} from './fixtures/runtime-node.js';

const skipReason = namespaceTestsSkipReason('runtime-docker');

const intervalMs = testIntervalMs;
const label = (name: string): string[] => ['-f', `label=io.kubernetes.container.name=${name}`];

describe.skipIf(skipReason !== null)('runtime: kubelet + docker shim', () => {
  let node: RuntimeTestNode;
  let apiserverSerial: string;
  let controllerManagerSerial: string;

  beforeAll(async () => {
    node = namespaceNode('docker');
    const serving = node.clientCert({ commonName: 'kube-apiserver' });
    node.write('etc/kubernetes/pki/apiserver.crt', serving.certPem);
    apiserverSerial = new crypto.X509Certificate(serving.certPem).serialNumber.toLowerCase();
    const cm = node.clientCert({ commonName: 'system:kube-controller-manager' });
    node.write('etc/kubernetes/controller-manager.conf', node.kubeconfig('system:kube-controller-manager', cm));
    controllerManagerSerial = new crypto.X509Certificate(cm.certPem).serialNumber.toLowerCase();
    node.write('etc/kubernetes/manifests/etcd.yaml', node.etcdManifest());
    node.write(
      'etc/kubernetes/manifests/kube-apiserver.yaml',
      node.manifest('kube-apiserver', 'k8s.gcr.io/kube-apiserver:v1.18.3', [
        'kube-apiserver',
        '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
      ]),
    );
    node.write(
      'etc/kubernetes/manifests/kube-controller-manager.yaml',
      node.manifest('kube-controller-manager', 'k8s.gcr.io/kube-controller-manager:v1.18.3', [
        'kube-controller-manager',
        '--kubeconfig=/etc/kubernetes/controller-manager.conf',
      ]),
    );
    const start = node.run('systemctl', ['start', 'kubelet']);
    expect(start.code, start.stderr).toBe(0);
    await waitFor('three running containers', 10_000, () =>
      ['etcd', 'kube-apiserver', 'kube-controller-manager'].every((n) => node.latest(n)?.state === 'running'),
    );
  });

  afterAll(() => node?.destroy());

  it('runs the static pods as containers with contract records', async () => {
    expect(node.run('systemctl', ['is-active', 'kubelet'])).toMatchObject({ code: 0, stdout: 'active\n' });
    for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager']) {
      const rec = node.latest(name);
      expect(rec?.id).toMatch(/^[0-9a-f]{64}$/);
      expect(rec).toMatchObject({
        name,
        podName: `${name}-rt-m1`,
        namespace: 'kube-system',
        state: 'running',
        attempt: 0,
      });
      expect(rec?.labels).toEqual({
        'io.kubernetes.container.name': name,
        'io.kubernetes.pod.name': `${name}-rt-m1`,
        'io.kubernetes.pod.namespace': 'kube-system',
        'io.kubernetes.pod.uid': rec?.podUid,
      });
      expect(isPidAlive(rec?.pid ?? 0)).toBe(true);
    }
    expect(node.latest('kube-apiserver')).toMatchObject({
      loadedCertSerial: apiserverSerial,
      loadedCertFile: '/etc/kubernetes/pki/apiserver.crt',
    });
    expect(node.latest('kube-controller-manager')).toMatchObject({ loadedCertSerial: controllerManagerSerial });
    // The etcd container is the real etcd, serving inside the node's namespace.
    const health = await waitFor('etcd health', 10_000, () => {
      const res = node.exec([
        process.execPath,
        '-e',
        "fetch('http://127.0.0.1:2379/health').then(r => r.text()).then(t => console.log(t), () => process.exit(1))",
      ]);
      return res.code === 0 && res.stdout.includes('"health":"true"') ? res.stdout : null;
    });
    expect(health).toContain('true');
    const apiLog = fs.readFileSync(
      node.file(`var/lib/kcrlab/runtime/logs/${node.latest('kube-apiserver')?.id}.log`),
      'utf8',
    );
    expect(apiLog).toContain('fake component started: --tls-cert-file=/etc/kubernetes/pki/apiserver.crt');
  });

  it('docker ps lists containers and pause sandboxes the way docker 19.03 does', () => {
    const ps = node.run('docker', ['ps']);
    expect(ps.code).toBe(0);
    const lines = ps.stdout.trimEnd().split('\n');
    // Go tabwriter columns: at least 20 wide, 3 spaces of padding after the longest cell.
    expect(lines[0]).toMatch(/^CONTAINER ID {8}IMAGE {3,}COMMAND {18}CREATED {3,}STATUS {3,}PORTS {15}NAMES$/);
    const api = node.latest('kube-apiserver');
    const row = lines.find((l) => l.startsWith(api?.id.slice(0, 12) ?? '-'));
    // Docker's human durations: the lab may have been up for more than a minute on a busy machine.
    const ago = '(?:Less than a second|\\d+ seconds?|About a minute|\\d+ minutes)';
    expect(row).toMatch(
      new RegExp(
        `k8s\\.gcr\\.io/kube-apiserver:v1\\.18\\.3 +"kube-apiserver --tl…" +${ago} ago +Up ${ago} +k8s_kube-apiserver_kube-apiserver-rt-m1_kube-system_[0-9a-f]{32}_0$`,
      ),
    );
    expect(lines.filter((l) => / k8s_POD_/.test(l))).toHaveLength(3);
    const quiet = node.run('docker', ['ps', '-q', ...label('kube-apiserver')]);
    expect(quiet.stdout).toBe(`${api?.id.slice(0, 12)}\n`);
    expect(node.run('docker', ['ps', '-q', '--no-trunc', ...label('etcd')]).stdout).toBe(
      `${node.latest('etcd')?.id}\n`,
    );
    expect(
      node.run('docker', ['ps', '--format', '{{.ID}} {{.Label "io.kubernetes.container.name"}}', ...label('etcd')])
        .stdout,
    ).toBe(`${node.latest('etcd')?.id.slice(0, 12)} etcd\n`);
  });

  it('docker inspect shows State.StartedAt, Pid, Running and Go-template formats', () => {
    const etcd = node.latest('etcd');
    const full = node.run('docker', ['inspect', etcd?.id.slice(0, 12) ?? '']);
    expect(full.code).toBe(0);
    const doc = JSON.parse(full.stdout) as {
      Id: string;
      Name: string;
      State: { Running: boolean; Pid: number; StartedAt: string };
      Config: { Labels: Record<string, string> };
    }[];
    expect(doc).toHaveLength(1);
    expect(doc[0]).toMatchObject({ Id: etcd?.id, State: { Running: true, Pid: etcd?.pid, Status: 'running' } });
    expect(Date.parse(doc[0]?.State.StartedAt ?? '')).toBe(Date.parse(etcd?.startedAt ?? ''));
    expect(doc[0]?.Config.Labels['io.kubernetes.container.name']).toBe('etcd');
    expect(full.stdout.startsWith('[\n    {\n        "Id": ')).toBe(true);
    const formatted = node.run('docker', [
      'inspect',
      '-f',
      '{{.State.Running}} {{.State.Pid}} {{.Id}} {{.Name}}',
      etcd?.id ?? '',
    ]);
    expect(formatted.stdout).toBe(`true ${etcd?.pid} ${etcd?.id} /k8s_etcd_etcd-rt-m1_kube-system_${etcd?.podUid}_0\n`);
  });

  it('docker rm -f: the kubelet starts a new container (new id, later start, attempt + 1) within the interval', async () => {
    const before = node.latest('kube-apiserver');
    const ids = node
      .run('docker', ['ps', '-q', ...label('kube-apiserver')])
      .stdout.trim()
      .split('\n');
    const rm = node.run('docker', ['rm', '-f', ...ids]);
    expect(rm).toMatchObject({ code: 0, stdout: `${ids.join('\n')}\n` });
    expect(isPidAlive(before?.pid ?? 0)).toBe(false);
    const after = await waitFor('a new kube-apiserver', reactMs, () => {
      const rec = node.latest('kube-apiserver');
      return rec && rec.id !== before?.id && rec.state === 'running' ? rec : null;
    });
    expect(after.id).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(after.startedAt)).toBeGreaterThan(Date.parse(before?.startedAt ?? ''));
    expect(after.attempt).toBe((before?.attempt ?? 0) + 1);
    expect(isPidAlive(after.pid)).toBe(true);
    const inspected = node.run('docker', ['inspect', '-f', '{{.State.StartedAt}}', after.id.slice(0, 12)]);
    expect(Date.parse(inspected.stdout.trim())).toBe(Date.parse(after.startedAt));
  });

  it('docker restart keeps the container id and starts a new process', async () => {
    const before = node.latest('kube-controller-manager');
    const res = node.run('docker', ['restart', before?.id.slice(0, 12) ?? '']);
    expect(res.code, res.stderr).toBe(0);
    const after = node.containers().find((c) => c.id === before?.id);
    expect(after?.state).toBe('running');
    expect(after?.pid).not.toBe(before?.pid);
    expect(Date.parse(after?.startedAt ?? '')).toBeGreaterThan(Date.parse(before?.startedAt ?? ''));
    await sleep(reactMs);
    expect(node.latest('kube-controller-manager')?.id).toBe(before?.id);
  });

  it('manifest moved out: the pod stops within two intervals; moved back: it starts again', async () => {
    const before = node.latest('kube-controller-manager');
    fs.renameSync(
      node.file('etc/kubernetes/manifests/kube-controller-manager.yaml'),
      node.file('etc/kubernetes/kube-controller-manager.yaml'),
    );
    const stopped = await waitFor('controller-manager stopped', reactMs, () => {
      const rec = node.containers().find((c) => c.id === before?.id);
      return rec?.state === 'exited' ? rec : null;
    });
    expect(isPidAlive(before?.pid ?? 0)).toBe(false);
    expect(node.run('docker', ['ps', '-q', ...label('kube-controller-manager')]).stdout).toBe('');
    expect(node.run('docker', ['ps', '-a', '-q', ...label('kube-controller-manager')]).stdout).toContain(
      before?.id.slice(0, 12),
    );
    await sleep(2 * intervalMs);
    expect(node.latest('kube-controller-manager')?.id).toBe(before?.id);
    fs.renameSync(
      node.file('etc/kubernetes/kube-controller-manager.yaml'),
      node.file('etc/kubernetes/manifests/kube-controller-manager.yaml'),
    );
    const back = await waitFor('controller-manager back', reactMs, () => {
      const rec = node.latest('kube-controller-manager');
      return rec && rec.id !== before?.id && rec.state === 'running' ? rec : null;
    });
    expect(Date.parse(back.startedAt)).toBeGreaterThan(Date.parse(stopped.finishedAt ?? ''));
    expect(node.kubeletLog()).toContain('SyncLoop (REMOVE, "file"): "kube-controller-manager-rt-m1_kube-system(');
  });

  it('fault etcdStopped: etcd is stopped and not started while set, then comes back', async () => {
    const etcd = node.latest('etcd');
    node.write('var/lib/kcrlab/faults.json', JSON.stringify({ etcdStopped: true }));
    await waitFor('etcd stopped', reactMs, () => node.containers().find((c) => c.id === etcd?.id)?.state === 'exited');
    expect(isPidAlive(etcd?.pid ?? 0)).toBe(false);
    await sleep(3 * intervalMs);
    expect(node.containers().filter((c) => c.name === 'etcd' && c.state === 'running')).toEqual([]);
    node.write('var/lib/kcrlab/faults.json', JSON.stringify({}));
    const back = await waitFor('etcd back', reactMs, () => {
      const rec = node.latest('etcd');
      return rec && rec.id !== etcd?.id && rec.state === 'running' ? rec : null;
    });
    expect(isPidAlive(back.pid)).toBe(true);
  });

  it('kubelet stopped: running containers keep running, removed ones stay gone until it starts again', async () => {
    const stop = node.run('systemctl', ['stop', 'kubelet']);
    expect(stop.code).toBe(0);
    expect(node.run('systemctl', ['is-active', 'kubelet'])).toMatchObject({ code: 3, stdout: 'inactive\n' });
    const status = node.run('systemctl', ['status', 'kubelet']);
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(/Active: inactive \(dead\) since /);
    const api = node.latest('kube-apiserver');
    const etcd = node.latest('etcd');
    expect(node.run('docker', ['rm', '-f', api?.id ?? '']).code).toBe(0);
    await sleep(3 * intervalMs);
    expect(node.containers().filter((c) => c.name === 'kube-apiserver' && c.state === 'running')).toEqual([]);
    expect(isPidAlive(etcd?.pid ?? 0)).toBe(true);
    expect(node.run('systemctl', ['start', 'kubelet']).code).toBe(0);
    expect(node.run('systemctl', ['is-active', 'kubelet']).stdout).toBe('active\n');
    await waitFor('kube-apiserver recreated', reactMs, () => node.latest('kube-apiserver')?.state === 'running');
    // The kubelet's restart did not restart the containers it found running.
    expect(node.latest('etcd')).toMatchObject({ id: etcd?.id, pid: etcd?.pid, state: 'running' });
  });

  it('a container that keeps exiting is restarted with a growing back-off', async () => {
    node.write(
      'etc/kubernetes/manifests/kube-scheduler.yaml',
      node.manifest('kube-scheduler', 'k8s.gcr.io/kube-scheduler:v1.18.3', [
        'kube-scheduler',
        '--lab-exit-after-ms=200',
      ]),
    );
    await waitFor('three scheduler attempts', 15_000, () => (node.latest('kube-scheduler')?.attempt ?? 0) >= 2);
    const exited = node.containers().filter((c) => c.name === 'kube-scheduler' && c.state === 'exited');
    expect(exited.every((c) => c.exitCode === 2)).toBe(true);
    expect(node.kubeletLog()).toMatch(/CrashLoopBackOff: "back-off \d+s restarting failed container=kube-scheduler/);
    fs.rmSync(node.file('etc/kubernetes/manifests/kube-scheduler.yaml'));
  });

  it('fails like docker on unknown commands, flags and containers', () => {
    expect(node.run('docker', ['frob'])).toMatchObject({
      code: 1,
      stderr: "docker: 'frob' is not a docker command.\nSee 'docker --help'\n",
    });
    expect(node.run('docker', ['ps', '--bogus'])).toMatchObject({
      code: 125,
      stderr: "unknown flag: --bogus\nSee 'docker ps --help'.\n",
    });
    expect(node.run('docker', ['ps', '-z'])).toMatchObject({
      code: 125,
      stderr: "unknown shorthand flag: 'z' in -z\nSee 'docker ps --help'.\n",
    });
    expect(node.run('docker', ['rm', '-f', 'deadbeef0000'])).toMatchObject({
      code: 1,
      stderr: 'Error: No such container: deadbeef0000\n',
    });
    const noArgs = node.run('docker', ['rm', '-f']);
    expect(noArgs.code).toBe(1);
    expect(noArgs.stderr).toMatch(/^"docker rm" requires at least 1 argument\./);
    expect(node.run('docker', ['inspect', 'nothere'])).toMatchObject({
      code: 1,
      stdout: '[]\n',
      stderr: 'Error: No such object: nothere\n',
    });
    const running = node.latest('etcd');
    expect(node.run('docker', ['rm', running?.id ?? '']).stderr).toContain('You cannot remove a running container');
    expect(node.run('docker', ['version', '--format', '{{.Server.Version}}']).stdout).toBe('19.03.15\n');
  });
});
