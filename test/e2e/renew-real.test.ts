// `renew` against the REAL Kubernetes 1.20.2 control plane (the lab's `components: real`: the real
// kubeadm, kube-apiserver, kube-controller-manager and kube-scheduler over real etcd), on a 3-master
// TKEStack global cluster (tke/certs 1.3 shape) and a 1-master one (1.2 shape). Judged by the real
// components: the certificate the real API server serves, container start times, the real kubectl
// with the renewed admin.conf, the real controller-manager's and scheduler's leases, etcd quorum
// sampled throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, sampleWhile, type LabStatus, type RunResult } from './support/lab.js';
import { invariantViolations } from './support/node-files.js';
import {
  certsCm,
  expectRenewedCredentialsWork,
  expectServesRenewedFiles,
  readNode,
  tkePods,
  type ConfigMap,
  type Pod,
} from './support/tke.js';
import { renewedHosts, reportTasks, type TaskReport } from './support/task-report.js';

const skip = labUnavailableReason();
const CLUSTERS: Record<string, string[]> = { real: ['real-m1', 'real-m2', 'real-m3'], real12: ['real12-m1'] };
const MASTERS = Object.values(CLUSTERS).flat();

describe.skipIf(skip)(`renew on the real 1.20.2 control plane${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let labUp: Promise<Lab> | undefined;
  let before: LabStatus;
  let startedMs: number;
  let result: RunResult;
  let samples: LabStatus[];
  let tasks: TaskReport[] = [];
  const cmBefore = new Map<string, ConfigMap>();
  const podsBefore = new Map<string, Pod[]>();

  beforeAll(async () => {
    labUp = Lab.up('real.yaml', { name: 'renew-real' });
    lab = await labUp;
    // The TKE pods come from the real controller-manager and scheduler: wait until all run.
    for (const c of Object.keys(CLUSTERS)) {
      for (let i = 0; i < 90; i++) {
        const pods = await tkePods(lab, `${c}-m1`);
        if (pods.length >= 6 && pods.every((p) => p.phase === 'Running')) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      cmBefore.set(c, await certsCm(lab, `${c}-m1`));
      podsBefore.set(c, await tkePods(lab, `${c}-m1`));
    }
    before = await lab.status();
    startedMs = Date.now();
    ({ result, samples } = await sampleWhile(lab, lab.tool(['--inventory', lab.inventory, '--yes', '--json']), 1000));
    if (result.code === 0) tasks = reportTasks(result.stdout);
  }, 1_200_000);
  afterAll(async () => {
    await (await labUp?.catch(() => undefined))?.down();
  }, 300_000);

  it('renews every master, one at a time, and etcd quorum and all but one API server hold throughout', () => {
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(renewedHosts(tasks)).toEqual([...MASTERS].sort());
    // The real kubeadm accepted the configuration the tool gave it (the cluster's kubeadm-config with
    // this node's InitConfiguration): it never read, or fell back from, the cluster on its own.
    for (const t of tasks.filter((x) => x.module === 'kubeadm_renew' && x.status === 'changed'))
      expect(t.message, t.host).toMatch(
        /with `\S+ certs renew all --config <file>` \(kubeadm 1\.20\.2, configuration from the kubeadm-config ConfigMap\)/,
      );
    expect(samples.length).toBeGreaterThan(10);
    expect(invariantViolations(samples)).toEqual([]);
  });

  it('every component of every master was restarted after the run began, and the real API server and etcd serve the files on disk', async () => {
    const after = await lab.status();
    for (const node of MASTERS) {
      const n = after.clusters.flatMap((c) => c.nodes).find((x) => x.name === node)!;
      for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const) {
        const c = n.components[name]!;
        expect(c.healthy, `${node} ${name}`).toBe(true);
        expect(Date.parse(c.startedAt ?? ''), `${node} ${name} started ${c.startedAt}`).toBeGreaterThan(startedMs);
      }
      await expectServesRenewedFiles(lab, node);
    }
    expect(before.clusters.every((c) => c.etcd.quorum)).toBe(true);
  });

  it('the renewed credentials work against the real API server: kubectl with the new admin.conf, and the restarted controller-manager and scheduler renew their leases', async () => {
    for (const [cluster, nodes] of Object.entries(CLUSTERS)) {
      await expectRenewedCredentialsWork(lab, nodes, cluster);
    }
  });

  it('TKEStack: the 1.2 shape tke/certs holds the renewed apiserver-etcd-client, the 1.3 shape is left alone, and every TKE API pod was recreated and runs', async () => {
    const task = tasks.find((t) => t.module === 'tke_certs_configmap' && t.host.startsWith('real12-'))!;
    expect(task.status, task.message).toBe('changed');
    expect((await certsCm(lab, 'real12-m1')).data['etcd.crt']).toBe(
      await readNode(lab, task.host, '/etc/kubernetes/pki/apiserver-etcd-client.crt'),
    );
    expect((await certsCm(lab, 'real-m2')).data).toEqual(cmBefore.get('real')!.data);
    for (const c of Object.keys(CLUSTERS)) {
      const old = podsBefore.get(c)!;
      const now = await tkePods(lab, `${c}-m1`);
      expect(now.length, c).toBe(old.length);
      for (const p of now) {
        expect(p.phase, p.name).toBe('Running');
        expect(
          old.map((o) => o.name),
          `${c}: ${p.name} is new`,
        ).not.toContain(p.name);
      }
    }
  });
});
