// `renew` on the default topology (3-master global cluster on 1.18.3 with docker and a worker, and
// a 1-master standalone cluster on 1.21.4 with containerd), judged by the lab, not the tool's report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type LabStatus } from './support/lab.js';
import { renewSampled } from './support/sampled-run.js';
import { diskSerials, loadedSerials, sha256, treeHashes } from './support/node-files.js';

const skip = labUnavailableReason();
const MASTERS = ['global-m1', 'global-m2', 'global-m3', 'standalone-m1'];

describe.skipIf(skip)(`renew on the default topology${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let before: LabStatus;

  beforeAll(async () => {
    lab = await Lab.up('default.yaml', { name: 'renew-default' });
    before = await lab.status();
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('--dry-run changes nothing on any node (file hashes) and exits 0', async () => {
    const hashes = await Promise.all(
      MASTERS.map((n) => treeHashes(lab, n, '/etc/kubernetes', '/root/.kube', '/var/lib/kube-cert-renew')),
    );
    const res = await lab.tool(['--inventory', lab.inventory, '--dry-run', '--renew-within', '400d']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(
      /would run \S+\/kubeadm alpha certs renew all --config <file> \(the matching kubeadm, configuration from the kubeadm-config ConfigMap\)/,
    );
    expect(res.stderr).toMatch(/would run \S+\/kubeadm certs renew all --config <file> /);
    const after = await Promise.all(
      MASTERS.map((n) => treeHashes(lab, n, '/etc/kubernetes', '/root/.kube', '/var/lib/kube-cert-renew')),
    );
    expect(after).toEqual(hashes);
    expect(loadedSerials(await lab.status(), 'global-m1')).toEqual(loadedSerials(before, 'global-m1'));
  });

  it(
    'renews every master one at a time, keeps quorum, and every component serves the new certificates',
    { timeout: 300_000 },
    async () => {
      const { result, samples } = await renewSampled(lab, ['--renew-within', '400d'], 0, 700);
      expect(samples.length).toBeGreaterThan(10);

      const after = await lab.status();
      for (const node of MASTERS) {
        const loaded = loadedSerials(after, node);
        // Every component restarted onto a new certificate, and it is the one on disk.
        for (const [component, serial] of Object.entries(loadedSerials(before, node)))
          expect(loaded[component], `${node} ${component}`).not.toBe(serial);
        expect(loaded).toEqual(await diskSerials(lab, node));
        // The --config file kubeadm read is gone (kubeadm-with-config.sh removes it whatever happens).
        const leftover = await lab.exec(node, ['sh', '-c', 'ls /tmp | grep -c "^kube-cert-renew-kubeadm\\." || true']);
        expect(leftover.stdout.trim(), `${node}: kubeadm configuration files left in /tmp`).toBe('0');
        // root's kubeconfig is the new admin.conf
        expect(await sha256(lab, node, '/root/.kube/config')).toBe(
          await sha256(lab, node, '/etc/kubernetes/admin.conf'),
        );
      }
      for (const c of after.clusters) expect(c.etcd.quorum).toBe(true);

      const report = JSON.parse(result.stdout) as {
        clusters: {
          hosts: {
            host: string;
            status: string;
            backupDir: string | null;
            certificates: { name: string; notAfterBefore: string; notAfterAfter: string }[];
          }[];
        }[];
      };
      const hosts = report.clusters.flatMap((c) => c.hosts);
      for (const node of MASTERS) {
        const h = hosts.find((x) => x.host === node)!;
        expect(h.status).toBe('changed');
        expect(h.certificates.length).toBeGreaterThanOrEqual(10);
        for (const c of h.certificates)
          expect(Date.parse(c.notAfterAfter)).toBeGreaterThan(Date.parse(c.notAfterBefore));
        // The backup is there and intact (its checksums verify on the node).
        const check = await lab.exec(node, [
          'sh',
          '-c',
          'cd "$1" && sha256sum -c --quiet SHA256SUMS && tar -tzf etc-kubernetes.tar.gz | grep -q "etc/kubernetes/pki/apiserver.key"',
          'sh',
          h.backupDir!,
        ]);
        expect(check.code, check.stderr).toBe(0);
      }
    },
  );

  it('a second run changes nothing', async () => {
    const before2 = await lab.status();
    const res = await lab.tool(['--inventory', lab.inventory, '--yes', '--json']);
    expect(res.code, res.stderr.slice(-2000)).toBe(0);
    const doc = JSON.parse(res.stdout) as { totals: Record<string, number> };
    expect(doc.totals.changed).toBe(0);
    for (const node of MASTERS) expect(loadedSerials(await lab.status(), node)).toEqual(loadedSerials(before2, node));
  });

  it('a backup restores the previous certificates', async () => {
    // Restore global-m3's backup into a scratch folder and compare with the certificate it replaced.
    const list = await lab.exec('global-m3', ['sh', '-c', 'ls -1d /var/lib/kube-cert-renew/backups/*/ | head -n 1']);
    const dir = list.stdout.trim();
    const res = await lab.exec('global-m3', [
      'sh',
      '-c',
      'mkdir -p /tmp/restore && tar -C /tmp/restore -xzf "$1/etc-kubernetes.tar.gz" && openssl x509 -noout -serial -in /tmp/restore/etc/kubernetes/pki/apiserver.crt',
      'sh',
      dir,
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(
      res.stdout
        .trim()
        .replace(/^serial=/, '')
        .toLowerCase()
        .replace(/^0+/, ''),
    ).toBe(loadedSerials(before, 'global-m3')['kube-apiserver']);
  });

  it('--cluster renews only that cluster', { timeout: 180_000 }, async () => {
    const s0 = await lab.status();
    const res = await lab.tool(['--inventory', lab.inventory, '--yes', '--force', '--cluster', 'standalone']);
    expect(res.code, res.stderr.slice(-2000)).toBe(0);
    const s1 = await lab.status();
    expect(loadedSerials(s1, 'standalone-m1')['kube-apiserver']).not.toBe(
      loadedSerials(s0, 'standalone-m1')['kube-apiserver'],
    );
    for (const node of ['global-m1', 'global-m2', 'global-m3'])
      expect(loadedSerials(s1, node)).toEqual(loadedSerials(s0, node));
  });
});
