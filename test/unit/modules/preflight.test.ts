// preflight: every reason a master is refused before anything changes, and how `due` is decided
// (threshold, --force, an unfinished earlier renewal). Read-only: it only reads facts and one script.
import { describe, expect, it } from 'vitest';
import { COMPONENT_STARTS_SCRIPT } from '../../../src/kube/scripts/components.js';
import type { NodeFacts } from '../../../src/kube/node-facts.js';
import { preflightModule } from '../../../src/modules/preflight.js';
import type { RunOptions } from '../../../src/playbook/types.js';
import type { Cluster } from '../../../src/inventory/types.js';
import { FakeNode, nodeFacts, runModule, script, sections } from './harness.js';

const DAY = 86_400;

/** Containers that started after their files last changed: nothing unfinished. */
function freshNode(): FakeNode {
  const changed = Math.floor(Date.now() / 1000) - 10 * DAY;
  const started = new Date(Date.now() - DAY * 1000).toISOString();
  const parts: Record<string, string> = {};
  for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'])
    Object.assign(parts, { [`changed ${c}`]: String(changed), [`started ${c}`]: started });
  return new FakeNode().on(script(COMPONENT_STARTS_SCRIPT), { stdout: sections(parts) });
}

function preflight(
  node: NodeFacts | undefined,
  opts: { options?: Partial<RunOptions>; cluster?: Partial<Cluster>; fake?: FakeNode } = {},
) {
  return runModule(
    preflightModule,
    {},
    { facts: { m1: { node } }, nodes: { m1: opts.fake ?? freshNode() }, options: opts.options, cluster: opts.cluster },
  );
}

describe('preflight refuses an unsafe master, naming every problem', () => {
  const cases: [string, Partial<NodeFacts> | ((f: NodeFacts) => void), RegExp][] = [
    ['not root', { uid: 1000 }, /commands do not run as root \(uid 1000\)/],
    [
      'not a control plane',
      { manifests: ['kube-apiserver.yaml'] },
      /not a kubeadm control plane: \/etc\/kubernetes\/manifests lacks etcd\.yaml/,
    ],
    ['version unreadable', { kubernetesVersion: undefined }, /cannot tell the Kubernetes version/],
    [
      'version too old',
      { kubernetesVersion: '1.14.3', kubeadm: { path: '/usr/bin/kubeadm', version: '1.14.3' } },
      /older than 1\.15/,
    ],
    [
      'no runtime',
      { runtime: undefined, runtimeProblem: 'no container runtime lists a kube-apiserver container' },
      /container runtime: no container runtime lists/,
    ],
    [
      'kubelet down',
      { kubeletState: 'inactive' },
      /kubelet is inactive: without it a removed container never comes back/,
    ],
    ['clock unreadable', { clockSkewMs: Number.NaN }, /cannot read the node's clock/],
    ['clock skewed', { clockSkewMs: 120_000 }, /clock differs from this machine's by 120s \(limit 1s\)/],
    ['disk unreadable', { diskFreeKb: undefined }, /cannot read free space for backups/],
    ['disk full', { diskFreeKb: 100 }, /only 100 KiB free for backups, need \d+ KiB/],
    [
      'a CA missing',
      (f) => (f.cas['etcd-ca'] = { name: 'etcd-ca', kind: 'ca', present: false }),
      /CA etcd-ca is missing/,
    ],
    [
      'a CA unparseable',
      (f) => (f.cas.ca = { name: 'ca', kind: 'ca', present: true, problem: 'not a PEM certificate' }),
      /CA ca \(\/etc\/kubernetes\/pki\/ca\.crt\): not a PEM certificate/,
    ],
    [
      'a certificate missing',
      (f) => (f.certs['etcd-peer'] = { name: 'etcd-peer', kind: 'file', present: false }),
      /etcd-peer is missing/,
    ],
    ['a certificate not from its CA', (f) => (f.certs.apiserver!.chainsToCa = false), /apiserver is not signed by ca/],
    [
      'a certificate not matching its key',
      (f) => (f.certs['front-proxy-client']!.keyMatches = false),
      /front-proxy-client does not match its private key/,
    ],
  ];
  for (const [name, change, message] of cases) {
    it(name, async () => {
      const facts = nodeFacts();
      if (typeof change === 'function') change(facts);
      else Object.assign(facts, change);
      const run = await preflight(facts);
      expect(run.record.status).toBe('failed');
      expect(run.record.message).toMatch(message);
      expect(run.record.message).toMatch(/\(nothing was changed on any master of this cluster\)$/);
      expect(run.facts.due).toBeUndefined();
    });
  }

  it('a kubeadm of another minor with provisioning off', async () => {
    const run = await preflight(nodeFacts(200, { kubeadm: { path: '/usr/bin/kubeadm', version: '1.21.0' } }));
    expect(run.record.message).toMatch(/kubeadm 1\.21\.0 does not match the cluster's 1\.20\.2: refusing/);
  });

  it('the inventory disagreeing with the node (version, runtime)', async () => {
    const run = await preflight(nodeFacts(), { cluster: { kubernetesVersion: '1.20.5', runtime: 'containerd' } });
    expect(run.record.message).toMatch(/the inventory says Kubernetes 1\.20\.5 but the node runs 1\.20\.2/);
    expect(run.record.message).toMatch(/the inventory says runtime containerd but the node runs docker/);
  });

  it('several problems at once, in one message', async () => {
    const run = await preflight(nodeFacts(200, { uid: 1000, kubeletState: 'failed' }));
    expect(run.record.message).toMatch(/uid 1000.*; kubelet is failed/);
  });

  it('no node facts: node_facts must run first', async () => {
    const run = await preflight(undefined);
    expect(run.record).toMatchObject({
      status: 'failed',
      message: 'no node facts: the node_facts module must run first',
    });
  });
});

describe('preflight decides whether the master is due', () => {
  it('due when a certificate has less than --renew-within left', async () => {
    const run = await preflight(nodeFacts(20));
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toMatch(/^ready; due: \S+ expires in 20d$/);
    expect(run.facts).toMatchObject({ due: true, kubeadmReady: true });
  });

  it('due when expired', async () => {
    const run = await preflight(nodeFacts(-3));
    expect(run.record.message).toMatch(/due: \S+ expired/);
    expect(run.facts.due).toBe(true);
  });

  it('not due with time left, after checking for an unfinished renewal', async () => {
    const fake = freshNode();
    const run = await preflight(nodeFacts(200), { fake });
    expect(run.record.message).toMatch(/^ready; not due: soonest \S+ in 200d \(threshold 30d\)$/);
    expect(run.facts.due).toBe(false);
    expect(fake.count(script(COMPONENT_STARTS_SCRIPT))).toBe(1);
  });

  it('--force makes it due without asking the node', async () => {
    const fake = new FakeNode();
    const run = await preflight(nodeFacts(200), { options: { force: true }, fake });
    expect(run.record.message).toBe('ready; renewal forced');
    expect(run.facts.due).toBe(true);
    expect(fake.calls).toEqual([]);
  });

  it('due again when an earlier run left its in-progress marker', async () => {
    const run = await preflight(nodeFacts(200, { unfinishedRenewalBackup: '/var/lib/kube-cert-renew/backups/x' }));
    expect(run.record.message).toMatch(
      /due: an earlier renewal did not finish: a run stopped before it finished this master \(its backup: \/var\/lib\/kube-cert-renew\/backups\/x\)/,
    );
    expect(run.facts.due).toBe(true);
  });

  it('due again when certificates were renewed at different times', async () => {
    const facts = nodeFacts(200);
    facts.certs.apiserver!.notAfter = new Date(Date.now() + 100 * DAY * 1000).toISOString();
    const run = await preflight(facts);
    expect(run.record.message).toMatch(/certificates renewed at different times \(apiserver older than the rest\)/);
    expect(run.facts.due).toBe(true);
  });

  it('due again when a component started before its certificate last changed', async () => {
    const now = Math.floor(Date.now() / 1000);
    const fake = new FakeNode().on(script(COMPONENT_STARTS_SCRIPT), {
      stdout: sections({
        'changed kube-apiserver': String(now - 60),
        'started kube-apiserver': new Date((now - 3600) * 1000).toISOString(),
      }),
    });
    const run = await preflight(nodeFacts(200), { fake });
    expect(run.record.message).toMatch(/kube-apiserver started before its certificate last changed on disk/);
    expect(run.facts.due).toBe(true);
  });

  it('a missing kubeadm with provisioning on is ready, to be provisioned', async () => {
    const run = await preflight(nodeFacts(20, { kubeadm: {} }), {
      cluster: {
        kubeadm: { provision: 'download', mirrorUrl: 'https://m/{version}/{arch}/kubeadm', installDir: '/opt/kcr' },
      },
    });
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toMatch(/kubeadm is not installed \(cluster is 1\.20\.2\): will provision \(download\)/);
    expect(run.facts.kubeadmReady).toBe(false);
  });
});
