// The lab's infrastructure: nodes reached over real ssh with the written key and known_hosts, users
// and sudo, per-node mount namespaces, exec, the kubeadm mirror, the inventory, faults.
import crypto from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  ensureBuilt,
  lab,
  labDir,
  labSkipReason,
  readLabJson,
  sshArgs,
  ssh,
  type LabJson,
  destroyLab,
} from './infra-helpers.js';

if (labSkipReason) console.warn(`SKIPPED lab infra tests: ${labSkipReason}`);

const topology = `# two light single-master clusters
clusters:
  - { name: alpha, kubernetesVersion: "1.18.3", runtime: docker, masters: 1, workers: 1, light: true }
  - { name: beta, kubernetesVersion: "1.21.4", runtime: containerd, masters: 1, light: true, kubeadmVersion: none }
`;

const tcpOpen = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe.skipIf(labSkipReason !== null)('lab infra (light nodes over real ssh)', () => {
  let dir = '';
  let info: LabJson;
  const node = (name: string): LabJson['nodes'][number] => {
    const n = info.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  };

  beforeAll(() => {
    ensureBuilt();
    dir = labDir('infra');
    fs.writeFileSync(path.join(dir, 'topology.yaml'), topology);
    const r = lab(['up', '--topology', path.join(dir, 'topology.yaml'), '--dir', dir, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    info = readLabJson(dir);
  });

  afterAll(() => {
    if (dir) destroyLab(dir);
  });

  it('writes the client key, known_hosts, sudo password and an inventory in the tool format', () => {
    expect(fs.statSync(path.join(dir, 'id_ed25519')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'sudo-password')).mode & 0o777).toBe(0o600);
    const known = fs.readFileSync(path.join(dir, 'known_hosts'), 'utf8').trim().split('\n');
    expect(known.map((l) => l.split(' ')[0])).toEqual(info.nodes.map((n) => n.address));
    const inv = YAML.parse(fs.readFileSync(path.join(dir, 'inventory.yaml'), 'utf8')) as {
      defaults: { ssh: Record<string, unknown>; kubeadm: { provision: string; mirrorUrl: string } };
      clusters: {
        name: string;
        type: string;
        kubernetesVersion: string;
        runtime: string;
        masters: { name: string; address: string }[];
        workers: unknown[];
      }[];
    };
    expect(inv.defaults.ssh).toEqual({
      user: 'root',
      port: 22,
      identityFile: 'id_ed25519',
      knownHostsFiles: ['known_hosts'],
    });
    expect(inv.defaults.kubeadm).toEqual({
      provision: 'none',
      mirrorUrl: `http://10.231.${info.slot}.1:${info.mirrorPort}/kubernetes-release/release/v{version}/bin/linux/{arch}/kubeadm`,
    });
    expect(inv.clusters.map((c) => [c.name, c.type, c.kubernetesVersion, c.runtime])).toEqual([
      ['alpha', 'standalone', '1.18.3', 'docker'],
      ['beta', 'standalone', '1.21.4', 'containerd'],
    ]);
    expect(inv.clusters[0]?.masters).toEqual([{ name: 'alpha-m1', address: `10.231.${info.slot}.10` }]);
    expect(inv.clusters[0]?.workers).toEqual([{ name: 'alpha-w1', address: `10.231.${info.slot}.11` }]);
    expect(inv.clusters[1]?.masters).toEqual([{ name: 'beta-m1', address: `10.231.${info.slot}.12` }]);
  });

  it('logs in as root with the written key, checking the host key strictly', () => {
    for (const n of info.nodes) {
      const r = ssh(dir, 'root', n.address, 'hostname; id -u');
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${n.name}\n0\n`);
    }
  });

  it('refuses a host whose key is not in known_hosts', () => {
    const other = path.join(dir, 'other_known_hosts');
    fs.writeFileSync(other, fs.readFileSync(path.join(dir, 'known_hosts'), 'utf8').split('\n').slice(1).join('\n'));
    const args = sshArgs(dir, 'root', node('alpha-m1').address).map((a) =>
      a.startsWith('UserKnownHostsFile=') ? `UserKnownHostsFile=${other}` : a,
    );
    const r = spawnSyncSsh([...args, 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Host key verification failed/);
  });

  it('gives kcradmin passwordless sudo and kcrsudo sudo with the password only', () => {
    const addr = node('alpha-m1').address;
    expect(ssh(dir, 'kcradmin', addr, 'id -un; sudo -n id -u').stdout).toBe('kcradmin\n0\n');
    const noPassword = ssh(dir, 'kcrsudo', addr, 'sudo -n id -u');
    expect(noPassword.code).not.toBe(0);
    expect(noPassword.stderr).toMatch(/password is required/);
    const password = fs.readFileSync(path.join(dir, 'sudo-password'), 'utf8').trim();
    const wrong = ssh(dir, 'kcrsudo', addr, "sudo -S -p '' id -u", 'not-the-password\n');
    expect(wrong.code).not.toBe(0);
    const right = ssh(dir, 'kcrsudo', addr, "sudo -S -p '' id -u", `${password}\n`);
    expect(right.stdout).toBe('0\n');
  });

  it('gives each node its own /etc/kubernetes, hosts file and shims', () => {
    const ca = (name: string): string => ssh(dir, 'root', node(name).address, 'cat /etc/kubernetes/pki/ca.crt').stdout;
    const alphaCa = ca('alpha-m1');
    expect(alphaCa).toContain('BEGIN CERTIFICATE');
    expect(alphaCa).toBe(fs.readFileSync(path.join(dir, 'nodes/alpha-m1/rootfs/etc/kubernetes/pki/ca.crt'), 'utf8'));
    expect(ca('beta-m1')).toBe(
      fs.readFileSync(path.join(dir, 'nodes/beta-m1/rootfs/etc/kubernetes/pki/ca.crt'), 'utf8'),
    );
    expect(ca('beta-m1')).not.toBe(alphaCa);
    // The host's own /etc/kubernetes is untouched by the nodes' files.
    expect(fs.existsSync('/etc/kubernetes/pki/ca.crt')).toBe(false);
    // A file written in one node appears in its rootfs and in no other node.
    expect(ssh(dir, 'root', node('alpha-m1').address, 'echo hello > /etc/kubernetes/marker').code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'nodes/alpha-m1/rootfs/etc/kubernetes/marker'), 'utf8')).toBe('hello\n');
    expect(ssh(dir, 'root', node('beta-m1').address, 'test -e /etc/kubernetes/marker').code).toBe(1);
    // The endpoint name resolves to the node itself on masters and to the first master on workers.
    expect(ssh(dir, 'root', node('alpha-m1').address, 'getent ahostsv4 api.tke.com').stdout.split(/\s+/)[0]).toBe(
      node('alpha-m1').address,
    );
    expect(ssh(dir, 'root', node('alpha-w1').address, 'getent ahostsv4 api.tke.com').stdout.split(/\s+/)[0]).toBe(
      node('alpha-m1').address,
    );
    // kubeadm is installed where the topology says so.
    expect(ssh(dir, 'root', node('alpha-m1').address, 'test -x /usr/local/bin/kubeadm').code).toBe(0);
    expect(ssh(dir, 'root', node('beta-m1').address, 'test -e /usr/local/bin/kubeadm').code).toBe(1);
  });

  it('runs a command inside a node with exec and passes the exit code through', () => {
    const r = lab(['exec', '--dir', dir, 'beta-m1', '--', 'sh', '-c', 'hostname; cat /etc/hostname; exit 7']);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('beta-m1\nbeta-m1\n');
    expect(lab(['exec', '--dir', dir, 'nosuch', '--', 'true']).code).toBe(1);
  });

  it('serves kubeadm for every version on the mirror, with a matching .sha256', async () => {
    for (const v of ['1.16.9', '1.18.3', '1.19.7', '1.20.6', '1.21.4', '1.31.4']) {
      const url = `http://10.231.${info.slot}.1:${info.mirrorPort}/kubernetes-release/release/v${v}/bin/linux/amd64/kubeadm`;
      const body = Buffer.from(await (await fetch(url)).arrayBuffer());
      expect(body.toString()).toContain(`KCRLAB_KUBEADM_VERSION=${v}`);
      const sum = await (await fetch(`${url}.sha256`)).text();
      expect(sum).toBe(crypto.createHash('sha256').update(body).digest('hex'));
    }
    const missing = await fetch(
      `http://10.231.${info.slot}.1:${info.mirrorPort}/kubernetes-release/release/v9.9.9/bin/linux/amd64/kubeadm`,
    );
    expect(missing.status).toBe(404);
    // Reachable from inside a node too (the tool's `download` provisioning).
    const inNode = ssh(
      dir,
      'root',
      node('beta-m1').address,
      `exec 3<>/dev/tcp/10.231.${info.slot}.1/${info.mirrorPort} && echo open`,
    );
    expect(inNode.stdout).toBe('open\n');
  });

  it('reports every node in status --json', () => {
    const r = lab(['status', '--dir', dir, '--json']);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as {
      slot: number;
      clusters: {
        name: string;
        nodes: { name: string; sshd: boolean; light: boolean; role: string; address: string }[];
      }[];
    };
    expect(status.slot).toBe(info.slot);
    expect(status.clusters.map((c) => c.name)).toEqual(['alpha', 'beta']);
    const nodes = status.clusters.flatMap((c) => c.nodes);
    expect(nodes.map((n) => [n.name, n.role, n.address, n.sshd, n.light])).toEqual(
      info.nodes.map((n) => [n.name, n.role, n.address, true, true]),
    );
  });

  it('sets and clears the file faults in faults.json', () => {
    const faultsFile = path.join(dir, 'nodes/alpha-m1/rootfs/var/lib/kcrlab/faults.json');
    for (const args of [
      ['kubeadm-renew-fail'],
      ['apiserver-not-ready'],
      ['slow-start', '--seconds', '25'],
      ['etcd-stopped'],
      ['clock-skew', '--seconds', '7200'],
    ]) {
      const r = lab(['fault', '--dir', dir, 'alpha-m1', ...args]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    expect(JSON.parse(fs.readFileSync(faultsFile, 'utf8'))).toEqual({
      kubeadmRenewFail: true,
      apiserverNotReadyNextStart: true,
      slowStartSeconds: 25,
      etcdStopped: true,
      clockSkewSeconds: 7200,
    });
    // The date shim shows the skew inside the node.
    const nodeNow = Number(ssh(dir, 'root', node('alpha-m1').address, 'date +%s').stdout);
    expect(Math.abs(nodeNow - Date.now() / 1000 - 7200)).toBeLessThan(30);
    expect(lab(['fault', '--dir', dir, 'alpha-m1', 'slow-start']).code).toBe(1);
    expect(lab(['fault', '--dir', dir, 'alpha-m1', 'no-such-fault']).code).toBe(2);
    expect(lab(['fault', '--dir', dir, 'alpha-m1', '--clear']).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(faultsFile, 'utf8'))).toEqual({});
    const cleared = Number(ssh(dir, 'root', node('alpha-m1').address, 'date +%s').stdout);
    expect(Math.abs(cleared - Date.now() / 1000)).toBeLessThan(30);
  });

  it('sshd-down makes the node unreachable until cleared', async () => {
    const n = node('alpha-w1');
    expect(lab(['fault', '--dir', dir, n.name, 'sshd-down']).code).toBe(0);
    expect(await tcpOpen(n.address, 22)).toBe(false);
    expect(ssh(dir, 'root', n.address, 'true').code).toBe(255);
    expect(lab(['fault', '--dir', dir, n.name, '--clear']).code).toBe(0);
    expect(ssh(dir, 'root', n.address, 'hostname').stdout).toBe(`${n.name}\n`);
  });

  it('sshd-drop cuts open sessions after the given seconds; new logins still work', async () => {
    const n = node('alpha-w1');
    expect(lab(['fault', '--dir', dir, n.name, 'sshd-drop', '--after', '1']).code).toBe(0);
    const t0 = Date.now();
    const code = await new Promise<number>((resolve) => {
      const child = spawn('ssh', [...sshArgs(dir, 'root', n.address), 'sleep 20; echo finished']);
      child.on('close', (c) => resolve(c ?? 128));
    });
    expect(code).toBe(255);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(ssh(dir, 'root', n.address, 'hostname').stdout).toBe(`${n.name}\n`);
    expect(lab(['fault', '--dir', dir, n.name, '--clear']).code).toBe(0);
  });

  it('host-key-changed makes strict clients refuse the node until cleared', () => {
    const n = node('beta-m1');
    expect(lab(['fault', '--dir', dir, n.name, 'host-key-changed']).code).toBe(0);
    const r = ssh(dir, 'root', n.address, 'true');
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(lab(['fault', '--dir', dir, n.name, '--clear']).code).toBe(0);
    expect(ssh(dir, 'root', n.address, 'hostname').stdout).toBe(`${n.name}\n`);
  });

  it('backup-full leaves no room under /var/lib/kube-cert-renew/backups until cleared', () => {
    const n = node('alpha-m1');
    expect(lab(['fault', '--dir', dir, n.name, 'backup-full']).code).toBe(0);
    const full = ssh(dir, 'root', n.address, 'head -c 65536 /dev/zero > /var/lib/kube-cert-renew/backups/x');
    expect(full.code).not.toBe(0);
    expect(full.stderr).toMatch(/No space left/);
    expect(lab(['fault', '--dir', dir, n.name, '--clear']).code).toBe(0);
    expect(
      ssh(
        dir,
        'root',
        n.address,
        'head -c 65536 /dev/zero > /var/lib/kube-cert-renew/backups/x && rm /var/lib/kube-cert-renew/backups/x',
      ).code,
    ).toBe(0);
  });
});

function spawnSyncSsh(args: string[]): { code: number; stderr: string } {
  const r = spawnSync('ssh', args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? 128, stderr: r.stderr };
}
