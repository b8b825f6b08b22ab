// The recovery path on the REAL Kubernetes 1.20.2 control plane: a 3-master cluster whose
// certificates expired (issued 400 days ago), with the real kube-apiserver, controller-manager and
// scheduler over real etcd, and the real kubeadm renewing from a configuration derived from the
// manifests (the API server cannot serve kubeadm-config). Judged by the real components afterwards:
// the real API server's /readyz through the renewed admin.conf, what it and etcd serve, their leases.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreAndRead } from './support/etcd-restore.js';
import { Lab, labUnavailableReason, type LabStatus, type RunResult } from './support/lab.js';
import { fileEndDate, fileSerial, servedSerial } from './support/node-files.js';
import { reportTasks, type TaskReport } from './support/task-report.js';
import { expectRenewedCredentialsWork } from './support/tke.js';

const skip = labUnavailableReason();
const TOPOLOGY = `
clusters:
  - name: realx
    type: standalone
    kubernetesVersion: "1.20.2"
    components: real
    runtime: docker
    masters: 3
    certAgeDays: 400
`;
const MASTERS = ['realx-m1', 'realx-m2', 'realx-m3'];
const DAY_MS = 86_400_000;

describe.skipIf(skip)(
  `renew: expired certificates on the real 1.20.2 control plane${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: Lab;
    let labUp: Promise<Lab> | undefined;
    let before: LabStatus;
    let startedMs: number;
    let result: RunResult;
    let tasks: TaskReport[] = [];

    beforeAll(async () => {
      labUp = Lab.up(TOPOLOGY, { name: 'renew-real-expired' });
      lab = await labUp;
      before = await lab.status();
      startedMs = Date.now();
      result = await lab.tool(['--inventory', lab.inventory, '--yes', '--json']);
      if (result.code === 0) tasks = reportTasks(result.stdout);
    }, 1_200_000);
    afterAll(async () => {
      await (await labUp?.catch(() => undefined))?.down();
    }, 300_000);

    it('before: the real control plane is broken by its expired certificates (no etcd quorum, no API server ready)', () => {
      const c = before.clusters[0]!;
      expect(c.etcd.quorum).toBe(false);
      for (const n of c.nodes) expect(n.components['kube-apiserver']?.healthy, n.name).toBe(false);
    });

    it('renew takes the recovery path and the real kubeadm renews from the manifests-derived configuration', () => {
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      expect(result.stderr).toMatch(/\[realx\/realx-m1\] .*certificates already expired .*: recovery path/);
      const renewed = tasks.filter((t) => t.module === 'kubeadm_renew' && t.status !== 'skipped');
      expect(renewed.map((t) => [t.host, t.status]).sort()).toEqual(MASTERS.map((m) => [m, 'changed']));
      for (const t of renewed)
        expect(t.message, t.host).toMatch(
          /with `\S+ certs renew all --config <file>` \(kubeadm 1\.20\.2, configuration from the static pod manifests\)/,
        );
    });

    it('after: every real component restarted, healthy, serving the renewed files; etcd has quorum', async () => {
      const after = await lab.status();
      const c = after.clusters[0]!;
      expect(c.etcd.quorum).toBe(true);
      expect(c.etcd.healthy).toBe(c.etcd.total);
      for (const node of MASTERS) {
        const n = c.nodes.find((x) => x.name === node)!;
        for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const) {
          const comp = n.components[name]!;
          expect(comp.running && comp.healthy, `${node} ${name}`).toBe(true);
          expect(Date.parse(comp.startedAt ?? ''), `${node} ${name} started ${comp.startedAt}`).toBeGreaterThan(
            startedMs,
          );
        }
        expect(await servedSerial(lab, node, 6443), `${node} :6443`).toBe(
          await fileSerial(lab, node, '/etc/kubernetes/pki/apiserver.crt'),
        );
        expect(await servedSerial(lab, node, 2379), `${node} :2379`).toBe(
          await fileSerial(lab, node, '/etc/kubernetes/pki/etcd/server.crt'),
        );
        const left = (await fileEndDate(lab, node, '/etc/kubernetes/pki/apiserver.crt')).getTime() - Date.now();
        expect(left, `${node} apiserver.crt`).toBeGreaterThan(360 * DAY_MS);
      }
    });

    it('after: the real API server answers the renewed admin.conf, and its controller-manager and scheduler hold renewing leases', async () => {
      await expectRenewedCredentialsWork(lab, MASTERS, 'realx');
    });

    it(
      "each master's etcd backup was copied with its member stopped, is said to be consistent, and restores into a scratch etcd",
      { timeout: 600_000 },
      async () => {
        const report = JSON.parse(result.stdout) as {
          clusters: {
            hosts: {
              host: string;
              data: { backupDir?: string; etcdBackup?: { via?: string; consistent?: boolean } };
            }[];
          }[];
        };
        const hosts = report.clusters.flatMap((c) => c.hosts);
        for (const node of MASTERS) {
          const h = hosts.find((x) => x.host === node);
          expect(h?.data.etcdBackup, node).toMatchObject({ via: 'stopped-member', consistent: true });
          // No key to read back: the expired members never had a quorum to take a write.
          const archive = path.join(lab.dir, 'nodes', node, 'rootfs', h!.data.backupDir!.slice(1), 'etcd-data.tar.gz');
          const { restore, health } = await restoreAndRead(archive, '/registry/none');
          expect(restore.code, `${node} restore: ${restore.stderr}`).toBe(0);
          expect(health.code, `${node} scratch etcd: ${health.stderr}`).toBe(0);
        }
      },
    );
  },
);
