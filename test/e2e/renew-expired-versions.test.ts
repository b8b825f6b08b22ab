// Already-expired clusters on every supported version line (issue 19): 1.16 (docker), 1.20 and 1.31
// (containerd) single masters, and a 1.18 HA cluster with a worker. `renew` recovers each to healthy
// with every certificate renewed (super-admin.conf on the 1.31 init master), and its etcd backup is
// a consistent copy taken with the member stopped: restored into a scratch etcd on this machine
// (etcdctl snapshot restore of the copied member/snap/db, then a real etcd on a free loopback port,
// killed by pid), it gives back the key the test wrote before the renewal.
// The lab's clusters are born expired, so no key can be written "before expiry"; on a single master
// the member has its own quorum and still serves a client with a fresh certificate from its CA
// (server certificate expired: verification skipped), which is how the key gets in. An HA cluster's
// members reject each other (no quorum, no write): its backups are proven to restore and serve.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreAndRead } from './support/etcd-restore.js';
import { Lab, labUnavailableReason, type LabStatus, type RunResult } from './support/lab.js';
import { fileEndDate, PKI_LEAF_CERTS } from './support/node-files.js';
import { reportTasks, type TaskReport } from './support/task-report.js';

const skip = labUnavailableReason();
const TOPOLOGY = `
clusters:
  - name: x16
    kubernetesVersion: "1.16.9"
    runtime: docker
    masters: 1
    certAgeDays: 400
  - name: x18
    kubernetesVersion: "1.18.3"
    runtime: docker
    masters: 3
    workers: 1
    certAgeDays: 400
  - name: x20
    kubernetesVersion: "1.20.6"
    runtime: containerd
    masters: 1
    certAgeDays: 400
  - name: x31
    kubernetesVersion: "1.31.4"
    runtime: containerd
    masters: 1
    certAgeDays: 400
`;
const SINGLE = ['x16-m1', 'x20-m1', 'x31-m1'];
const MASTERS = [...SINGLE, 'x18-m1', 'x18-m2', 'x18-m3'];
const KEY = '/kcr-e2e/written-before-renewal';
const DAY_MS = 86_400_000;

interface HostReport {
  host: string;
  status: string;
  data: {
    backupDir?: string;
    etcdBackup?: { kind?: string; via?: string; consistent?: boolean; dbSha256?: string; tried: string[] };
  };
}

/** Puts KEY=<node> into the node's etcd with a fresh client certificate signed by its etcd CA. */
const PUT_KEY = [
  'set -e; d=$(mktemp -d); trap \'rm -rf "$d"\' EXIT; p=/etc/kubernetes/pki/etcd',
  'openssl req -new -newkey rsa:2048 -nodes -keyout "$d/k" -subj /CN=kcr-e2e -out "$d/csr" 2>/dev/null',
  'printf "extendedKeyUsage=clientAuth\\n" >"$d/ext"',
  'openssl x509 -req -in "$d/csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d " \\n")" -days 1 -extfile "$d/ext" -out "$d/c" 2>/dev/null',
  'ETCDCTL_API=3 etcdctl --dial-timeout=10s --command-timeout=20s --endpoints=https://127.0.0.1:2379 --insecure-skip-tls-verify --cert "$d/c" --key "$d/k" put "$1" "$2"',
].join('\n');

function expectAboutAYear(d: Date, what: string): void {
  const left = d.getTime() - Date.now();
  expect(left, what).toBeGreaterThan(360 * DAY_MS);
  expect(left, what).toBeLessThan(366 * DAY_MS);
}

describe.skipIf(skip)(
  `renew: already-expired clusters on 1.16, 1.18 (HA, worker), 1.20 and 1.31, with a consistent etcd backup${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: Lab;
    let labUp: Promise<Lab> | undefined;
    let before: LabStatus;
    let result: RunResult;
    let hosts: HostReport[] = [];
    let tasks: TaskReport[] = [];
    const puts: Record<string, RunResult> = {};

    beforeAll(async () => {
      labUp = Lab.up(TOPOLOGY, { name: 'renew-expired-versions' });
      lab = await labUp;
      before = await lab.status();
      for (const node of SINGLE) puts[node] = await lab.exec(node, ['sh', '-c', PUT_KEY, 'sh', KEY, node]);
      result = await lab.tool(['--inventory', lab.inventory, '--yes', '--json']);
      if (result.code === 0) {
        const report = JSON.parse(result.stdout) as { clusters: { hosts: HostReport[] }[] };
        hosts = report.clusters.flatMap((c) => c.hosts);
        tasks = reportTasks(result.stdout);
      }
    }, 1_500_000);
    afterAll(async () => {
      await (await labUp?.catch(() => undefined))?.down();
    }, 300_000);

    it('before: every cluster is broken by its expired certificates; the single members still take a write', () => {
      for (const c of before.clusters) {
        // As its certificates show it (the lab's probe presents the expired healthcheck client).
        expect(c.etcd.quorum, c.name).toBe(false);
        for (const n of c.nodes.filter((x) => x.role === 'master'))
          expect(n.components['kube-apiserver']?.healthy, n.name).toBe(false);
      }
      for (const node of SINGLE) expect(puts[node]?.code, `${node}: ${puts[node]?.stderr}`).toBe(0);
    });

    it('renew takes the recovery path everywhere and exits 0; 1.31 renews with the validity the old certificates had', () => {
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      for (const c of ['x16', 'x18', 'x20', 'x31'])
        expect(result.stderr).toMatch(
          new RegExp(`\\[${c}/${c}-m1\\] .*certificates already expired .*: recovery path`),
        );
      expect(result.stderr).not.toMatch(/version skew/);
      const renewed = tasks.filter((t) => t.module === 'kubeadm_renew' && t.status !== 'skipped');
      expect(renewed.map((t) => [t.host, t.status]).sort()).toEqual(MASTERS.map((m) => [m, 'changed']).sort());
      expect(renewed.find((t) => t.host === 'x31-m1')?.message).toMatch(
        /configuration from the static pod manifests, certificateValidityPeriod 8760h0m0s from apiserver\.crt\)/,
      );
    });

    it(
      'after: every cluster healthy, every certificate renewed for about a year (super-admin.conf on 1.31)',
      { timeout: 300_000 },
      async () => {
        const after = await lab.status();
        for (const c of after.clusters) {
          expect(c.etcd.quorum, c.name).toBe(true);
          expect(c.etcd.healthy, c.name).toBe(c.etcd.total);
          for (const n of c.nodes) {
            expect(n.kubelet.running, n.name).toBe(true);
            for (const [name, comp] of Object.entries(n.components))
              expect(comp.running && comp.healthy, `${n.name} ${name}`).toBe(true);
          }
        }
        const kubeconfigEnd = async (node: string, file: string): Promise<Date> => {
          const res = await lab.exec(node, [
            'sh',
            '-c',
            'sed -n "s/^ *client-certificate-data: *//p" "$1" | base64 -d | openssl x509 -noout -enddate',
            'sh',
            file,
          ]);
          expect(res.code, `${node} ${file}: ${res.stderr}`).toBe(0);
          return new Date(res.stdout.trim().replace(/^notAfter=/, ''));
        };
        for (const node of MASTERS) {
          for (const name of PKI_LEAF_CERTS) {
            const file = `/etc/kubernetes/pki/${name}.crt`;
            expectAboutAYear(await fileEndDate(lab, node, file), `${node} ${file}`);
          }
          const confs = ['admin.conf', 'controller-manager.conf', 'scheduler.conf'];
          if (node === 'x31-m1') confs.push('super-admin.conf');
          for (const conf of confs)
            expectAboutAYear(await kubeconfigEnd(node, `/etc/kubernetes/${conf}`), `${node} ${conf}`);
        }
      },
    );

    it(
      "each master's etcd backup is the stopped member's data, said to be consistent, and its manifest is back",
      { timeout: 120_000 },
      async () => {
        for (const node of MASTERS) {
          const h = hosts.find((x) => x.host === node);
          expect(h?.data.etcdBackup, node).toMatchObject({ kind: 'copy', via: 'stopped-member', consistent: true });
          expect(h?.data.etcdBackup?.dbSha256, node).toMatch(/^[0-9a-f]{64}$/);
          const backup = tasks.find((t) => t.host === node && t.module === 'backup' && t.status !== 'skipped');
          expect(backup?.message, node).toMatch(/data directory copied with the member stopped .*consistent/);
          expect(backup?.message, node).not.toMatch(/inconsistent/i);
          const manifests = await lab.exec(node, ['ls', '/etc/kubernetes/manifests', '/etc/kubernetes']);
          expect(manifests.stdout, node).toContain('etcd.yaml');
          expect(manifests.stdout, node).not.toContain('moved-out-by-kube-cert-renew');
        }
      },
    );

    it(
      'restored into a scratch etcd, each backup serves; on the single masters it gives back the key written before',
      { timeout: 600_000 },
      async () => {
        for (const node of MASTERS) {
          const dir = hosts.find((x) => x.host === node)?.data.backupDir;
          expect(dir, node).toBeTruthy();
          const archive = path.join(lab.dir, 'nodes', node, 'rootfs', dir!.slice(1), 'etcd-data.tar.gz');
          const { restore, health, get } = await restoreAndRead(archive, KEY);
          expect(restore.code, `${node} restore: ${restore.stderr}`).toBe(0);
          expect(health.code, `${node} scratch etcd: ${health.stderr}`).toBe(0);
          expect(get.code, `${node} get: ${get.stderr}`).toBe(0);
          expect(get.stdout.trim(), node).toBe(SINGLE.includes(node) ? node : '');
        }
      },
    );
  },
);
