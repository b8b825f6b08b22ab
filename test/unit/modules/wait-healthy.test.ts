// wait_healthy: the gate between masters. Polls until healthy, or fails naming every problem.
import { describe, expect, it } from 'vitest';
import { HEALTH_SCRIPT } from '../../../src/kube/node-scripts.js';
import { COMPONENT_STARTS_SCRIPT } from '../../../src/kube/scripts/components.js';
import { waitHealthyModule } from '../../../src/modules/wait-healthy.js';
import {
  command,
  FakeNode,
  leasesReply,
  healthReply,
  nodeFacts,
  restartedReply,
  runModule,
  script,
  startsAroundChange,
  testPem,
  type HealthSpec,
} from './harness.js';

const probe = (spec: HealthSpec): FakeNode =>
  new FakeNode()
    .on(script(HEALTH_SCRIPT), healthReply(spec))
    .on(script(COMPONENT_STARTS_SCRIPT), restartedReply())
    .on(command('kubectl'), leasesReply());

describe('wait_healthy', () => {
  it('passes on a healthy master and learns the etcd member URLs', async () => {
    const run = await runModule(waitHealthyModule, {}, { nodes: { m1: probe({}) } });
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toMatch(/^healthy after \d+\.\ds$/);
    expect(run.clusterFacts.etcdUrls).toEqual([
      'https://10.0.0.1:2379',
      'https://10.0.0.2:2379',
      'https://10.0.0.3:2379',
    ]);
  });

  it('polls until the master becomes healthy', async () => {
    const node = new FakeNode()
      .on(script(HEALTH_SCRIPT), (argv, nth) => healthReply(nth < 2 ? { apiserverReady: false } : {})(argv))
      .on(script(COMPONENT_STARTS_SCRIPT), restartedReply())
      .on(command('kubectl'), leasesReply());
    const run = await runModule(
      waitHealthyModule,
      { intervalSeconds: 0.01, timeoutSeconds: 5 },
      { nodes: { m1: node } },
    );
    expect(run.record.status).toBe('ok');
    expect(node.count(script(HEALTH_SCRIPT))).toBeGreaterThanOrEqual(3);
  });

  it('fails after its timeout, naming every problem of the last probe', async () => {
    const spec: HealthSpec = { served: testPem('02'), unhealthy: ['https://10.0.0.2:2379'], componentsHealthy: false };
    const run = await runModule(
      waitHealthyModule,
      { timeoutSeconds: 0.05, intervalSeconds: 0.01 },
      { nodes: { m1: probe(spec) } },
    );
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toMatch(
      /^not healthy after \d+s: kube-apiserver serves a certificate other than pki\/apiserver\.crt; kube-controller-manager unhealthy \(curl: \(7\) Failed to connect\); etcd member m2 \(https:\/\/10\.0\.0\.2:2379\) unhealthy/,
    );
    expect(run.record.message).toMatch(/etcd serves a certificate other than pki\/etcd\/server\.crt$/);
  });

  it('does not require the served certificate to match when told not to', async () => {
    const run = await runModule(
      waitHealthyModule,
      { servedMatchesDisk: false, timeoutSeconds: 0.05 },
      { nodes: { m1: probe({ served: testPem('02') }) } },
    );
    expect(run.record.status).toBe('ok');
  });

  it('fails when local etcd does not answer', async () => {
    const run = await runModule(
      waitHealthyModule,
      { timeoutSeconds: 0.05, intervalSeconds: 0.01 },
      { nodes: { m1: probe({ members: 'unreadable' }) } },
    );
    expect(run.record.message).toMatch(/local etcd does not answer \(member list unreadable\)/);
  });

  it('scope cluster: every master, each named in the problems; not gated by `due`', async () => {
    const nodes = { m1: probe({}), m2: probe({ apiserverReady: false }), m3: probe({}) };
    const run = await runModule(
      waitHealthyModule,
      { scope: 'cluster', timeoutSeconds: 0.05, intervalSeconds: 0.01 },
      { nodes, facts: { m1: { due: false } } },
    );
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toMatch(
      /^not healthy after \d+s: m2: kube-apiserver not ready \(HTTP 500 readyz check failed\)$/,
    );
    for (const n of Object.values(nodes)) expect(n.count(script(HEALTH_SCRIPT))).toBeGreaterThanOrEqual(1);
  });

  it('scope master: skipped where the master is not due, unless onlyIfDue is off', async () => {
    const node = probe({});
    const skipped = await runModule(waitHealthyModule, {}, { nodes: { m1: node }, facts: { m1: { due: false } } });
    expect(skipped.record).toMatchObject({ status: 'skipped', message: 'not due for renewal' });
    expect(node.calls).toEqual([]);
    const always = await runModule(
      waitHealthyModule,
      { onlyIfDue: false },
      { nodes: { m1: node }, facts: { m1: { due: false } } },
    );
    expect(always.record.status).toBe('ok');
  });
  it('waits until every component started after its credential files changed (by time, not by what is served)', async () => {
    // The controller-manager comes back on the third probe; what :6443 serves matches the file all along.
    const node = new FakeNode()
      .on(script(HEALTH_SCRIPT), healthReply({}))
      .on(script(COMPONENT_STARTS_SCRIPT), (_argv, nth) =>
        startsAroundChange(nth < 2 ? ['kube-controller-manager'] : []),
      )
      .on(command('kubectl'), leasesReply());
    const run = await runModule(
      waitHealthyModule,
      { intervalSeconds: 0.01, timeoutSeconds: 5 },
      { nodes: { m1: node }, facts: { m1: { node: nodeFacts() } } },
    );
    expect(run.record.status).toBe('ok');
    expect(node.count(script(COMPONENT_STARTS_SCRIPT))).toBe(3);
  });

  it('fails naming a component still running on credentials older than its files', async () => {
    const node = new FakeNode()
      .on(script(HEALTH_SCRIPT), healthReply({}))
      .on(script(COMPONENT_STARTS_SCRIPT), startsAroundChange(['kube-scheduler']))
      .on(command('kubectl'), leasesReply());
    const run = await runModule(
      waitHealthyModule,
      { timeoutSeconds: 0.05, intervalSeconds: 0.01 },
      { nodes: { m1: node }, facts: { m1: { node: nodeFacts() } } },
    );
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toMatch(
      /^not healthy after \d+s: kube-scheduler not restarted since its credentials changed: its container started [^,]+, before \/etc\/kubernetes\/kube-scheduler\.credentials changed/,
    );
    expect(run.record.message).not.toMatch(/kube-controller-manager|kube-apiserver|etcd not/);
  });
  it('waits until the leader leases are renewed after the restart, not on /healthz alone', async () => {
    // Components restarted 55 s ago (startsAroundChange); the leases were last renewed 10 min ago,
    // then renewed again on the third read.
    const stale = new Date(Date.now() - 600_000).toISOString();
    const node = new FakeNode()
      .on(script(HEALTH_SCRIPT), healthReply({}))
      .on(script(COMPONENT_STARTS_SCRIPT), startsAroundChange())
      .on(command('kubectl'), (_argv, nth) => leasesReply(nth < 2 ? stale : new Date().toISOString()));
    const run = await runModule(
      waitHealthyModule,
      { intervalSeconds: 0.01, timeoutSeconds: 5 },
      { nodes: { m1: node }, facts: { m1: { node: nodeFacts() } } },
    );
    expect(run.record.status).toBe('ok');
    expect(node.count(command('kubectl'))).toBe(3);
    // with admin.conf, as every kubectl of the tool
    const argv = node.calls.find((a) => a[0] === 'kubectl')!;
    expect(argv.slice(1, 3)).toEqual(['--kubeconfig', '/etc/kubernetes/admin.conf']);
    expect(argv.slice(5).join(' ')).toBe(
      '-n kube-system get lease kube-controller-manager kube-scheduler --ignore-not-found -o json',
    );
  });

  it('fails naming a lease nobody renews and a restarted component logging authentication errors', async () => {
    const stale = new Date(Date.now() - 600_000).toISOString();
    const unauthorized =
      'E1203 14:40:02.118312       1 leaderelection.go:325] error retrieving resource lock kube-system/kube-scheduler: Unauthorized';
    const starts = startsAroundChange([], { 'kube-scheduler': unauthorized });
    const node = new FakeNode()
      .on(script(HEALTH_SCRIPT), healthReply({}))
      .on(script(COMPONENT_STARTS_SCRIPT), starts)
      .on(command('kubectl'), leasesReply(stale));
    const run = await runModule(
      waitHealthyModule,
      { timeoutSeconds: 0.05, intervalSeconds: 0.01 },
      { nodes: { m1: node }, facts: { m1: { node: nodeFacts() } } },
    );
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toContain(
      `lease kube-system/kube-controller-manager not renewed since kube-controller-manager started here (`,
    );
    expect(run.record.message).toContain(`kube-scheduler logs authentication errors: ${unauthorized}`);
  });
});
