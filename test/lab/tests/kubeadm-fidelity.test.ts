// The kubeadm simulator against what real kubeadm does (fidelity-audit.md rows 9, 10, 14): renewal
// writes each file in place (inode, mode and owner kept), the key before the certificate; a
// renewed certificate starts at its CA's NotBefore; 1.18/1.19 log that they cannot validate
// component configs; 1.20 check-expiration fails on the kubeconfig rows with an external CA.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterConfigurationYaml } from '../pki/seed.js';
import { parseKubeVersion } from '../pki/version.js';
import {
  clusterSpec,
  openssl,
  pointKubeconfigsAt,
  runKubeadm,
  simulatorMain,
  startApiServer,
  writeCluster,
  type FakeApiServer,
} from './kubeadm-harness.js';

const PKI = 'etc/kubernetes/pki';
const dirs: string[] = [];
let server: FakeApiServer | null = null;

function freshNode(version: string): string {
  const spec = clusterSpec({ kubernetesVersion: version, kubeadmVersion: version, light: true });
  const dir = writeCluster(spec);
  dirs.push(dir);
  return path.join(dir, spec.masters[0]?.name ?? '');
}

const startDate = (file: string): number =>
  Date.parse(
    openssl(['x509', '-noout', '-startdate', '-in', file])
      .trim()
      .replace(/^notBefore=/, ''),
  );

beforeAll(() => {
  simulatorMain();
}, 180_000);
afterEach(async () => {
  await server?.close();
  server = null;
});
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('renewal writes', () => {
  it('rewrite each file in place: inode, mode and owner kept; the key written before the certificate', async () => {
    const root = freshNode('1.16.9');
    const files = ['apiserver.crt', 'apiserver.key', 'front-proxy-client.key'].map((f) => path.join(root, PKI, f));
    files.push(path.join(root, 'etc/kubernetes/admin.conf'));
    fs.chmodSync(files[0] ?? '', 0o640);
    fs.chmodSync(files[1] ?? '', 0o640);
    fs.chownSync(files[2] ?? '', 1234, 5678);
    fs.chmodSync(files[3] ?? '', 0o640);
    const before = files.map((f) => fs.statSync(f));
    const contents = files.map((f) => fs.readFileSync(f, 'utf8'));
    const r = await runKubeadm('1.16.9', root, ['alpha', 'certs', 'renew', 'all']);
    expect(r.status, r.stderr).toBe(0);
    files.forEach((f, i) => {
      const after = fs.statSync(f);
      expect(fs.readFileSync(f, 'utf8'), f).not.toBe(contents[i]);
      expect(after.ino, f).toBe(before[i]?.ino);
      expect(after.mode & 0o7777, f).toBe((before[i]?.mode ?? 0) & 0o7777);
      expect([after.uid, after.gid], f).toEqual([before[i]?.uid, before[i]?.gid]);
    });
    expect(fs.statSync(files[0] ?? '').mode & 0o777).toBe(0o640);
    expect(fs.statSync(files[2] ?? '').uid).toBe(1234);
    // No temp files left beside them.
    expect(fs.readdirSync(path.join(root, PKI)).filter((f) => f.includes('tmp'))).toEqual([]);
    for (const base of ['apiserver', 'etcd/server', 'front-proxy-client']) {
      const key = fs.statSync(path.join(root, PKI, `${base}.key`), { bigint: true }).mtimeNs;
      const crt = fs.statSync(path.join(root, PKI, `${base}.crt`), { bigint: true }).mtimeNs;
      expect(key <= crt, base).toBe(true);
    }
  });

  it("a renewed certificate starts at its CA's NotBefore", async () => {
    const root = freshNode('1.16.9');
    const r = await runKubeadm('1.16.9', root, ['alpha', 'certs', 'renew', 'all']);
    expect(r.status, r.stderr).toBe(0);
    expect(startDate(path.join(root, PKI, 'apiserver.crt'))).toBe(startDate(path.join(root, PKI, 'ca.crt')));
    expect(startDate(path.join(root, PKI, 'etcd/server.crt'))).toBe(startDate(path.join(root, PKI, 'etcd/ca.crt')));
    expect(startDate(path.join(root, PKI, 'front-proxy-client.crt'))).toBe(
      startDate(path.join(root, PKI, 'front-proxy-ca.crt')),
    );
    const notAfter = Date.parse(
      openssl(['x509', '-noout', '-enddate', '-in', path.join(root, PKI, 'apiserver.crt')])
        .trim()
        .replace(/^notAfter=/, ''),
    );
    expect(Math.abs(notAfter - (Date.now() + 365 * 86400_000))).toBeLessThan(120_000);
  });
});

describe('klog warning of componentconfigs.Validate', () => {
  const warning = (source: string): RegExp =>
    new RegExp(
      `^W\\d{4} [\\d:.]+ +\\d+ ${source.replace('.', '\\.')}\\] WARNING: kubeadm cannot validate component configs for API groups \\[kubelet\\.config\\.k8s\\.io kubeproxy\\.config\\.k8s\\.io\\]\\n$`,
    );

  for (const [version, expected] of [
    ['1.18.3', 'configset.go:202'],
    ['1.19.7', 'configset.go:348'],
    ['1.20.6', null],
    ['1.17.3', null],
  ] as const) {
    it(`${version}: ${expected ?? 'none'} on stderr after the cluster read`, async () => {
      const root = freshNode(version);
      server = await startApiServer(
        root,
        clusterConfigurationYaml(clusterSpec({ kubernetesVersion: version }), parseKubeVersion(version)),
      );
      pointKubeconfigsAt(root, server.port);
      const verb = version.startsWith('1.20') ? ['certs', 'check-expiration'] : ['alpha', 'certs', 'check-expiration'];
      const r = await runKubeadm(version, root, verb);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('Reading configuration from the cluster');
      if (expected) expect(r.stderr).toMatch(warning(expected));
      // 1.20 logs, instead, each component ConfigMap it does not find (this API server serves
      // kubeadm-config alone; kubeadm-differential.test.ts compares it with the real 1.20.2).
      else expect(r.stderr.split('\n').filter((l) => l && !/ configset\.go:77\] Warning: No /.test(l))).toEqual([]);
    });
  }

  it('1.19: also after falling back to the default configuration (it is the validation that logs)', async () => {
    const root = freshNode('1.19.7');
    pointKubeconfigsAt(root, 1); // nothing listens: the read fails at once
    const r = await runKubeadm('1.19.7', root, ['alpha', 'certs', 'renew', 'apiserver']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Falling back to default configuration');
    expect(r.stderr).toMatch(warning('configset.go:348'));
  });
});

describe('external CA (ca.key absent)', () => {
  it('1.20.6: check-expiration fails on admin.conf, the first kubeconfig row, and prints no table', async () => {
    const root = freshNode('1.20.6');
    fs.rmSync(path.join(root, PKI, 'ca.key'));
    const r = await runKubeadm('1.20.6', root, ['certs', 'check-expiration']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "failed to load existing certificate ca: failed to load key: couldn't load the private key file /etc/kubernetes/pki/ca.key: open /etc/kubernetes/pki/ca.key: no such file or directory\nTo see the stack trace of this error execute with --v=5 or higher\n",
    );
    expect(r.stdout).not.toContain('CERTIFICATE');
  });

  it('1.20.6: renew still says "Detected external ca" and renews the rest', async () => {
    const root = freshNode('1.20.6');
    fs.rmSync(path.join(root, PKI, 'ca.key'));
    const r = await runKubeadm('1.20.6', root, ['certs', 'renew', 'all']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Detected external ca, certificate for serving the Kubernetes API can't be renewed");
    expect(r.stdout).toContain('certificate for serving etcd renewed');
  });
});
