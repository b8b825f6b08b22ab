// The lab's promises from issue 3, checked over real SSH with the key and known_hosts the lab wrote:
// kubeadm's output by version, served certificates that change only on a container restart, the
// real kubectl against a global master (and refused with an expired admin certificate), and real
// etcd quorum as members stop.
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER_118_LINES, RENEWED_LINES } from './procedure-output.js';
import { destroyLab, ensureBuilt, lab, labDir, labSkipReason, readLabJson, ssh, topologies } from './infra-helpers.js';

if (labSkipReason) console.warn(`SKIPPED lab contract tests: ${labSkipReason}`);

const TEN = RENEWED_LINES;
const HEADER_118 = HEADER_118_LINES;
const SERVED_END =
  'echo | openssl s_client -showcerts -connect 127.0.0.1:6443 -servername api 2>/dev/null | openssl x509 -noout -enddate';

interface Status {
  clusters: { name: string; etcd: { healthy: number; total: number; quorum: boolean } }[];
}

describe.skipIf(labSkipReason !== null)(
  'lab contract over real ssh (default topology)',
  () => {
    let dir = '';
    const addr: Record<string, string> = {};
    const on = (node: string, command: string, input?: string) => ssh(dir, 'root', addr[node]!, command, input);
    const etcdOf = (cluster: string) => {
      const r = lab(['status', '--dir', dir, '--json']);
      return (JSON.parse(r.stdout) as Status).clusters.find((c) => c.name === cluster)!.etcd;
    };
    const until = async (what: string, ok: () => boolean, timeoutMs = 90_000) => {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if (ok()) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
      throw new Error(`timed out waiting for ${what}`);
    };

    beforeAll(() => {
      ensureBuilt();
      dir = labDir('contract');
      const r = lab(['up', '--topology', path.join(topologies, 'default.yaml'), '--dir', dir, '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      for (const n of readLabJson(dir).nodes) addr[n.name] = n.address;
    });
    afterAll(() => {
      if (dir) destroyLab(dir);
    });

    it('1.18: `alpha certs renew all` prints exactly the lines of procedure.md; `certs renew all` is unknown', () => {
      const r = on('global-m2', 'kubeadm alpha certs renew all');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe([...HEADER_118, ...TEN, ''].join('\n'));
      const bad = on('global-m2', 'kubeadm certs renew all');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('unknown command "certs" for "kubeadm"');
    });

    it('1.21: `certs renew all` renews; `alpha certs renew all` renews nothing', () => {
      const before = on('standalone-m1', 'sha256sum /etc/kubernetes/pki/apiserver.crt').stdout;
      const alpha = on('standalone-m1', 'kubeadm alpha certs renew all');
      expect(alpha.stdout).not.toContain('renewed');
      expect(on('standalone-m1', 'sha256sum /etc/kubernetes/pki/apiserver.crt').stdout).toBe(before);
      const r = on('standalone-m1', 'kubeadm certs renew all');
      expect(r.code, r.stderr).toBe(0);
      for (const line of TEN) expect(r.stdout).toContain(line);
      expect(r.stdout).toContain(
        'Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.',
      );
      expect(on('standalone-m1', 'sha256sum /etc/kubernetes/pki/apiserver.crt').stdout).not.toBe(before);
    });

    it('the API server serves the renewed certificate after `docker rm -f` of its container', async () => {
      // Without a restart a 1.17+ apiserver also takes it within a minute (components-serving-certs.test.ts).
      const disk = on('global-m1', 'openssl x509 -noout -enddate -in /etc/kubernetes/pki/apiserver.crt').stdout.trim();
      const served = on('global-m1', SERVED_END).stdout.trim();
      expect(served).toBe(disk);
      expect(on('global-m1', 'kubeadm alpha certs renew apiserver').code).toBe(0);
      const renewed = on(
        'global-m1',
        'openssl x509 -noout -enddate -in /etc/kubernetes/pki/apiserver.crt',
      ).stdout.trim();
      expect(renewed).not.toBe(disk);
      const rm = on('global-m1', 'docker rm -f $(docker ps -q -f label=io.kubernetes.container.name=kube-apiserver)');
      expect(rm.code, rm.stderr).toBe(0);
      await until(
        'the new apiserver to serve the renewed certificate',
        () => on('global-m1', SERVED_END).stdout.trim() === renewed,
      );
    });

    it('the real kubectl reads tke/certs on a global master, and is refused with an expired admin certificate', () => {
      const ok = on('global-m3', 'kubectl --kubeconfig /etc/kubernetes/admin.conf -n tke get cm certs -o yaml');
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('etcd.crt');
      // An admin certificate that expired yesterday, signed by the cluster's own CA.
      const pki = path.join(dir, 'nodes/global-m3/rootfs/etc/kubernetes/pki');
      const ca = forge.pki.certificateFromPem(fs.readFileSync(path.join(pki, 'ca.crt'), 'utf8'));
      const caKey = forge.pki.privateKeyFromPem(fs.readFileSync(path.join(pki, 'ca.key'), 'utf8'));
      const keys = forge.pki.rsa.generateKeyPair(2048);
      const cert = forge.pki.createCertificate();
      cert.publicKey = keys.publicKey;
      cert.serialNumber = '0a1b2c3d';
      cert.validity.notBefore = new Date(Date.now() - 400 * 86400_000);
      cert.validity.notAfter = new Date(Date.now() - 86400_000);
      cert.setSubject([
        { name: 'commonName', value: 'kubernetes-admin' },
        { name: 'organizationName', value: 'system:masters' },
      ]);
      cert.setIssuer(ca.subject.attributes);
      cert.sign(caKey, forge.md.sha256.create());
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      const conf = on('global-m3', 'cat /etc/kubernetes/admin.conf')
        .stdout.replace(
          /client-certificate-data: .*/,
          `client-certificate-data: ${b64(forge.pki.certificateToPem(cert))}`,
        )
        .replace(/client-key-data: .*/, `client-key-data: ${b64(forge.pki.privateKeyToPem(keys.privateKey))}`);
      expect(on('global-m3', 'umask 077; cat > /tmp/expired-admin.conf', conf).code).toBe(0);
      const refused = on('global-m3', 'kubectl --kubeconfig /tmp/expired-admin.conf -n tke get cm certs -o yaml');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/Unauthorized|must be logged in/);
    });

    it('stopping one etcd member of three keeps quorum; stopping two loses it, and status says so', async () => {
      expect(lab(['fault', '--dir', dir, 'global-m2', 'etcd-stopped']).code).toBe(0);
      await until('2/3 members', () => etcdOf('global').healthy === 2);
      expect(etcdOf('global')).toMatchObject({ healthy: 2, total: 3, quorum: true });
      expect(lab(['fault', '--dir', dir, 'global-m3', 'etcd-stopped']).code).toBe(0);
      await until('quorum lost', () => !etcdOf('global').quorum);
      expect(etcdOf('global')).toMatchObject({ total: 3, quorum: false });
      expect(lab(['fault', '--dir', dir, 'global-m2', '--clear']).code).toBe(0);
      expect(lab(['fault', '--dir', dir, 'global-m3', '--clear']).code).toBe(0);
      await until('quorum back', () => etcdOf('global').quorum && etcdOf('global').healthy === 3, 120_000);
    });
  },
  600_000,
);
