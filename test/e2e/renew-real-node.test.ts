// `renew` on a REAL node (the lab's `node: real`): the real kubelet 1.20.2 and a real dockerd of
// the master's own run the real control plane and etcd as static pods, so the most dangerous step of
// a renewal, removing a static pod's container and trusting the kubelet to bring it back, is judged
// by the real kubelet: new containers in `docker inspect` started after the run began, the mirror
// pods the real kubelet reports naming those containers, the real API server and etcd serving the
// renewed files, etcd quorum sampled throughout. One master (topologies/real-node.yaml): a real-node
// master runs ~25 real containers, and three of them are too heavy for this 2-core machine shared
// with other work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, sampleWhile, type LabStatus, type RunResult } from './support/lab.js';
import { invariantViolations } from './support/node-files.js';
import {
  expectRenewedCredentialsWork,
  expectServesRenewedFiles,
  kubectlJson,
  tkePods,
  type Pod,
} from './support/tke.js';
import { renewedHosts, reportTasks, type TaskReport } from './support/task-report.js';

const skip = labUnavailableReason();
const NODE = 'rnode-m1';
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

interface Inspected {
  Id: string;
  Name: string;
  State: { Running: boolean; StartedAt: string };
  Config: { Labels: Record<string, string> };
}

/** The node's static-pod containers (not sandboxes) as its real docker reports them, running ones only. */
async function staticPodContainers(lab: Lab): Promise<Map<string, Inspected>> {
  const ps = await lab.exec(NODE, [
    'docker',
    'ps',
    '-q',
    '--no-trunc',
    '-f',
    'label=io.kubernetes.pod.namespace=kube-system',
  ]);
  expect(ps.code, ps.stderr).toBe(0);
  const ids = ps.stdout.split('\n').filter(Boolean);
  const res = await lab.exec(NODE, ['docker', 'inspect', ...ids]);
  expect(res.code, res.stderr).toBe(0);
  const found = new Map<string, Inspected>();
  for (const c of JSON.parse(res.stdout) as Inspected[]) {
    const name = c.Config.Labels['io.kubernetes.container.name'];
    if (name && name !== 'POD') found.set(name, c);
  }
  return found;
}

interface MirrorPod {
  metadata: { annotations?: Record<string, string> };
  status: {
    containerStatuses?: { containerID?: string; ready: boolean; state: { running?: { startedAt: string } } }[];
  };
}

describe.skipIf(skip)(`renew on a real node (real kubelet and docker)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let labUp: Promise<Lab> | undefined;
  let upMs = 0;
  let renewMs = 0;
  let startedMs = 0;
  let result: RunResult;
  let samples: LabStatus[];
  let tasks: TaskReport[] = [];
  let before: Map<string, Inspected>;
  let podsBefore: Pod[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    labUp = Lab.up('real-node.yaml', { name: 'renew-real-node' });
    lab = await labUp;
    upMs = Date.now() - t0;
    // The TKE API pods are real containers (pause images) the real scheduler placed on the node.
    for (let i = 0; i < 120; i++) {
      podsBefore = await tkePods(lab, NODE);
      if (podsBefore.length >= 6 && podsBefore.every((p) => p.phase === 'Running')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    before = await staticPodContainers(lab);
    startedMs = Date.now();
    ({ result, samples } = await sampleWhile(lab, lab.tool(['--inventory', lab.inventory, '--yes', '--json']), 1000));
    renewMs = Date.now() - startedMs;
    if (result.code === 0) tasks = reportTasks(result.stdout);
    console.log(`real node: lab up ${(upMs / 1000).toFixed(0)} s, renew ${(renewMs / 1000).toFixed(0)} s`);
  }, 1_500_000);
  afterAll(async () => {
    await (await labUp?.catch(() => undefined))?.down();
  }, 300_000);

  it('renews the master with the real kubeadm, and etcd quorum held at every sample', () => {
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(renewedHosts(tasks)).toEqual([NODE]);
    for (const t of tasks.filter((x) => x.module === 'kubeadm_renew' && x.status === 'changed'))
      expect(t.message, t.host).toMatch(/kubeadm 1\.20\.2, configuration from the kubeadm-config ConfigMap/);
    expect(samples.length).toBeGreaterThan(10);
    expect(invariantViolations(samples)).toEqual([]);
  });

  it('the real kubelet brought every static pod back in a new container started after the run began, and its mirror pods report them', async () => {
    const after = await staticPodContainers(lab);
    for (const name of COMPONENTS) {
      const old = before.get(name);
      const now = after.get(name);
      expect(old, `${name} ran before`).toBeDefined();
      expect(now?.State.Running, `${name} runs`).toBe(true);
      expect(now!.Id, `${name} is a new container`).not.toBe(old!.Id);
      expect(Date.parse(now!.State.StartedAt), `${name} started ${now!.State.StartedAt}`).toBeGreaterThan(startedMs);
      // The kubelet's own name for it: k8s_<container>_<pod>_<namespace>_<uid>_<attempt>.
      expect(now!.Name).toMatch(new RegExp(`^/k8s_${name}_${name}-${NODE}_kube-system_[0-9a-f]{32}_\\d+$`));
      const mirror = await kubectlJson<MirrorPod>(lab, NODE, ['-n', 'kube-system', 'get', 'pod', `${name}-${NODE}`]);
      expect(mirror.metadata.annotations?.['kubernetes.io/config.mirror'], `${name}: a mirror pod`).toBeTruthy();
      let status = mirror.status.containerStatuses?.[0];
      // The kubelet reports the new container within a status sync or two.
      for (let i = 0; i < 30 && status?.containerID !== `docker://${now!.Id}`; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        status = (await kubectlJson<MirrorPod>(lab, NODE, ['-n', 'kube-system', 'get', 'pod', `${name}-${NODE}`]))
          .status.containerStatuses?.[0];
      }
      expect(status?.containerID, `${name}: the mirror pod names the new container`).toBe(`docker://${now!.Id}`);
    }
  });

  it('the real API server and etcd serve the renewed files, and the renewed credentials work', async () => {
    await expectServesRenewedFiles(lab, NODE);
    await expectRenewedCredentialsWork(lab, [NODE], 'rnode');
  });

  it('every TKE API pod was recreated and runs again as a real container', async () => {
    expect(podsBefore.length).toBeGreaterThanOrEqual(6);
    // A replaced pod stays Terminating until the real kubelet has stopped its containers and
    // reported it (seconds): wait for that, as a real cluster settles.
    let now = await tkePods(lab, NODE);
    for (let i = 0; i < 60 && (now.length !== podsBefore.length || now.some((p) => p.deleting)); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      now = await tkePods(lab, NODE);
    }
    expect(now.length).toBe(podsBefore.length);
    for (const p of now) {
      expect(p.phase, p.name).toBe('Running');
      expect(
        podsBefore.map((o) => o.name),
        `${p.name} is new`,
      ).not.toContain(p.name);
    }
  });
});
