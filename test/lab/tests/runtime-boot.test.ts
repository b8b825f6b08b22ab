// Kubelet start-up against its client credentials (kubeadm-facts.md §6), the systemctl shim's
// systemd behaviour, the date shim's clock skew, and the shim installer. No namespace needed: these
// kubelets run no static pods.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installRuntimeShims } from '../node/runtime/install.js';
import { distMissing, labDist, RuntimeTestNode, waitFor } from './fixtures/runtime-node.js';

const nodes: RuntimeTestNode[] = [];
function newNode(): RuntimeTestNode {
  const node = new RuntimeTestNode({ runtime: 'docker', intervalMs: 500, netns: false });
  nodes.push(node);
  return node;
}

const expiredLine =
  /^E\d{4} [\d:.]+ +\d+ bootstrap\.go:265\] part of the existing bootstrap client certificate is expired: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC)$/m;
const fatalLine =
  /^F\d{4} [\d:.]+ +\d+ server\.go:273\] failed to run Kubelet: unable to load bootstrap kubeconfig: stat \/etc\/kubernetes\/bootstrap-kubelet\.conf: no such file or directory$/m;

describe('runtime: kubelet start-up and credentials', () => {
  beforeAll(() => {
    const missing = distMissing();
    if (missing) throw new Error(missing);
  });
  afterEach(() => {
    for (const node of nodes.splice(0)) node.destroy();
  });

  it('expired embedded kubelet.conf, no bootstrap-kubelet.conf: fails with the real messages', () => {
    const node = newNode();
    node.writeKubeletConf(-3);
    const embedded = parse(fs.readFileSync(node.file('etc/kubernetes/kubelet.conf'), 'utf8')) as {
      users: { user: Record<string, string> }[];
    };
    const certPem = Buffer.from(embedded.users[0]?.user['client-certificate-data'] ?? '', 'base64').toString();
    const notAfter = new Date(new crypto.X509Certificate(certPem).validTo);
    expect(node.run('systemctl', ['start', 'kubelet']).code).toBe(0);
    expect(node.run('systemctl', ['is-active', 'kubelet'])).toMatchObject({ code: 3, stdout: 'failed\n' });
    const log = node.kubeletLog();
    const expired = expiredLine.exec(log);
    expect(expired?.[1]).toBe(`${notAfter.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`);
    expect(log).toMatch(fatalLine);
    expect(log.indexOf(expired?.[0] ?? '')).toBeLessThan(log.search(fatalLine));
    const status = node.run('systemctl', ['status', 'kubelet']);
    expect(status.code).toBe(3);
    expect(status.stdout).toContain('Active: failed (Result: exit-code)');
    expect(status.stdout).toContain('(code=exited, status=255)');
    expect(status.stdout).toMatch(
      /kubelet\[\d+\]: F\d{4} .*failed to run Kubelet: unable to load bootstrap kubeconfig/,
    );
    expect(fs.readFileSync(node.file('var/lib/kcrlab/runtime/kubelet.state'), 'utf8').trim()).toBe('failed');
  });

  it('kubelet.conf pointing at an expired kubelet-client-current.pem, no bootstrap file: fails the same way', () => {
    const node = newNode();
    const cert = node.clientCert({
      commonName: 'system:node:rt-m1',
      organizations: ['system:nodes'],
      notBeforeDays: -400,
      notAfterDays: -1,
    });
    node.write('var/lib/kubelet/pki/kubelet-client-current.pem', cert.certPem + cert.keyPem);
    node.write(
      'etc/kubernetes/kubelet.conf',
      node.kubeconfig('default-auth', { certFile: '/var/lib/kubelet/pki/kubelet-client-current.pem' }),
    );
    node.run('systemctl', ['start', 'kubelet']);
    expect(node.run('systemctl', ['is-active', 'kubelet']).stdout).toBe('failed\n');
    expect(node.kubeletLog()).toMatch(expiredLine);
    expect(node.kubeletLog()).toMatch(fatalLine);
  });

  it('expired embedded cert with a bootstrap file and a valid pem: repoints kubelet.conf at the pem (TKE fix a)', () => {
    const node = newNode();
    node.writeKubeletConf(-3);
    fs.copyFileSync(node.file('etc/kubernetes/kubelet.conf'), node.file('etc/kubernetes/bootstrap-kubelet.conf'));
    const current = node.clientCert({
      commonName: 'system:node:rt-m1',
      organizations: ['system:nodes'],
      notAfterDays: 100,
    });
    node.write('var/lib/kubelet/pki/kubelet-client-current.pem', current.certPem + current.keyPem);
    node.run('systemctl', ['start', 'kubelet']);
    expect(node.run('systemctl', ['is-active', 'kubelet'])).toMatchObject({ code: 0, stdout: 'active\n' });
    const conf = parse(fs.readFileSync(node.file('etc/kubernetes/kubelet.conf'), 'utf8')) as {
      users: { user: Record<string, string> }[];
      clusters: { cluster: { server: string } }[];
    };
    expect(conf.users[0]?.user).toEqual({
      'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem',
      'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem',
    });
    expect(conf.clusters[0]?.cluster.server).toBe('https://api.tke.com:6443');
    expect(fs.readFileSync(node.file('var/lib/kubelet/pki/kubelet-client-current.pem'), 'utf8')).toBe(
      current.certPem + current.keyPem,
    );
    expect(node.kubeletLog()).toMatch(expiredLine);
  });

  it('expired cert, bootstrap token, no pem: issues kubelet-client-current.pem signed by the cluster CA', () => {
    const node = newNode();
    node.writeKubeletConf(-3);
    node.write(
      'etc/kubernetes/bootstrap-kubelet.conf',
      node.kubeconfig('tls-bootstrap-token-user', { token: 'abcdef.0123456789abcdef' }),
    );
    node.run('systemctl', ['start', 'kubelet']);
    expect(node.run('systemctl', ['is-active', 'kubelet']).stdout).toBe('active\n');
    const pemFile = node.file('var/lib/kubelet/pki/kubelet-client-current.pem');
    expect(fs.lstatSync(pemFile).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(pemFile)).toMatch(/^kubelet-client-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.pem$/);
    const pem = fs.readFileSync(pemFile, 'utf8');
    const cert = new crypto.X509Certificate(pem);
    expect(cert.subject).toBe('O=system:nodes\nCN=system:node:rt-m1');
    expect(cert.verify(new crypto.X509Certificate(node.ca.certPem).publicKey)).toBe(true);
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 360 * 24 * 3600_000);
    expect(crypto.createPrivateKey(pem).asymmetricKeyType).toBe('rsa');
    const conf = fs.readFileSync(node.file('etc/kubernetes/kubelet.conf'), 'utf8');
    expect(conf).toContain('client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem');
    expect(conf).not.toContain('client-certificate-data');
  });

  it('a worker without ca.key and no lab signer cannot bootstrap: fails and says why', () => {
    const node = newNode();
    node.writeKubeletConf(-3);
    fs.rmSync(node.file('etc/kubernetes/pki/ca.key'));
    node.write(
      'etc/kubernetes/bootstrap-kubelet.conf',
      node.kubeconfig('tls-bootstrap-token-user', { token: 'abcdef.0123456789abcdef' }),
    );
    node.run('systemctl', ['start', 'kubelet']);
    expect(node.run('systemctl', ['is-active', 'kubelet']).stdout).toBe('failed\n');
    expect(node.kubeletLog()).toContain('Failed while requesting a signed certificate from the master: no signer');
  });

  it('systemctl: kubelet lifecycle and systemd-like errors', async () => {
    const node = newNode();
    node.writeKubeletConf(100);
    expect(node.run('systemctl', ['is-active', 'kubelet'])).toMatchObject({ code: 3, stdout: 'inactive\n' });
    expect(node.run('systemctl', ['start', 'kubelet.service']).code).toBe(0);
    const pid = Number(fs.readFileSync(node.file('var/lib/kcrlab/runtime/kubelet.pid'), 'utf8'));
    expect(node.run('systemctl', ['is-active', 'kubelet'])).toMatchObject({ code: 0, stdout: 'active\n' });
    const status = node.run('systemctl', ['status', 'kubelet', '--no-pager']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^● kubelet\.service - kubelet: The Kubernetes Node Agent\n/);
    expect(status.stdout).toMatch(
      new RegExp(
        `Active: active \\(running\\) since \\w{3} \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC; \\d+s ago\\n[\\s\\S]* Main PID: ${pid} \\(kubelet\\)`,
      ),
    );
    expect(status.stdout).toContain('Starting kubelet main sync loop.');
    expect(node.run('systemctl', ['restart', 'kubelet']).code).toBe(0);
    const newPid = Number(fs.readFileSync(node.file('var/lib/kcrlab/runtime/kubelet.pid'), 'utf8'));
    expect(newPid).not.toBe(pid);
    await waitFor(
      'old kubelet gone',
      5000,
      () => !fs.existsSync(`/proc/${pid}/stat`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '),
    );
    expect(node.run('systemctl', ['daemon-reload'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(node.run('systemctl', ['is-active', 'docker'])).toMatchObject({ code: 0, stdout: 'active\n' });
    expect(node.run('systemctl', ['start', 'foo'])).toMatchObject({
      code: 5,
      stderr: 'Failed to start foo.service: Unit foo.service not found.\n',
    });
    expect(node.run('systemctl', ['status', 'foo'])).toMatchObject({
      code: 4,
      stderr: 'Unit foo.service could not be found.\n',
    });
    expect(node.run('systemctl', ['is-active', 'foo'])).toMatchObject({ code: 3, stdout: 'inactive\n' });
    expect(node.run('systemctl', ['frobnicate', 'kubelet'])).toMatchObject({
      code: 1,
      stderr: 'Unknown operation frobnicate.\n',
    });
    expect(node.run('systemctl', ['--bogus', 'status', 'kubelet'])).toMatchObject({
      code: 1,
      stderr: "systemctl: unrecognized option '--bogus'\n",
    });
    expect(node.run('systemctl', ['stop', 'kubelet']).code).toBe(0);
    expect(node.run('systemctl', ['is-active', 'kubelet'])).toMatchObject({ code: 3, stdout: 'inactive\n' });
  });

  it('a kubelet killed behind systemd’s back is reported failed', () => {
    const node = newNode();
    node.writeKubeletConf(100);
    node.run('systemctl', ['start', 'kubelet']);
    const pid = Number(fs.readFileSync(node.file('var/lib/kcrlab/runtime/kubelet.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    let state = '';
    for (let i = 0; i < 100 && state !== 'failed\n'; i++)
      state = node.run('systemctl', ['is-active', 'kubelet']).stdout;
    expect(state).toBe('failed\n');
  });

  it('date shim adds clockSkewSeconds to now and leaves explicit dates alone', () => {
    const node = newNode();
    const plain = Number(node.run('date', ['+%s']).stdout);
    expect(Math.abs(plain - Date.now() / 1000)).toBeLessThan(5);
    node.write('var/lib/kcrlab/faults.json', JSON.stringify({ clockSkewSeconds: 7200 }));
    const skewed = Number(node.run('date', ['+%s']).stdout);
    expect(Math.abs(skewed - (Date.now() / 1000 + 7200))).toBeLessThan(5);
    const utc = node.run('date', ['-u', '+%Y-%m-%dT%H']).stdout.trim();
    expect(utc).toBe(new Date(Date.now() + 7200_000).toISOString().slice(0, 13));
    expect(node.run('date', ['-d', '@86400', '-u', '+%F']).stdout).toBe('1970-01-02\n');
    expect(node.run('date', ['-u', '-Iseconds']).stdout.slice(0, 13)).toBe(
      new Date(Date.now() + 7200_000).toISOString().slice(0, 13),
    );
    expect(node.run('date', ['--bogus']).code).not.toBe(0);
    // Setting the clock would set the host's: refused.
    expect(node.run('date', ['-s', '2020-01-01'])).toMatchObject({
      code: 1,
      stderr: 'date: cannot set date: Operation not permitted\n',
    });
  });
});

describe('runtime: installRuntimeShims', () => {
  it('writes systemctl, date and the runtime CLI of the node, not the other one', () => {
    const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'kcrlab-rt-shims-'));
    try {
      const written = installRuntimeShims(rootfs, { runtime: 'docker', nodeBin: process.execPath, labDist });
      const bin = path.join(rootfs, 'usr/local/bin');
      expect(written.sort()).toEqual(['date', 'docker', 'systemctl'].map((n) => path.join(bin, n)));
      expect(fs.readFileSync(path.join(bin, 'docker'), 'utf8')).toBe(
        `#!/bin/sh\nexec '${process.execPath}' '${labDist}/node/runtime/docker.js' "$@"\n`,
      );
      expect(fs.statSync(path.join(bin, 'systemctl')).mode & 0o777).toBe(0o755);
      installRuntimeShims(rootfs, { runtime: 'containerd', nodeBin: process.execPath, labDist });
      expect(fs.readdirSync(bin).sort()).toEqual(['crictl', 'date', 'systemctl']);
      // crictl names the runtime from the node's own file (dockershim on crictlOnDocker nodes).
      fs.mkdirSync(path.join(rootfs, 'var/lib/kcrlab'), { recursive: true });
      fs.writeFileSync(path.join(rootfs, 'var/lib/kcrlab/node.json'), JSON.stringify({ runtime: 'containerd' }));
      const version = execFileSync(path.join(bin, 'crictl'), ['version'], {
        encoding: 'utf8',
        env: { ...process.env, KCRLAB_ROOT: rootfs },
      });
      expect(version).toContain('RuntimeName:  containerd');
    } finally {
      fs.rmSync(rootfs, { recursive: true, force: true });
    }
  });
});
