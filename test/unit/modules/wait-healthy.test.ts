// wait_healthy: the gate between masters. Polls until healthy, or fails naming every problem.
import { describe, expect, it } from 'vitest';
import { HEALTH_SCRIPT } from '../../../src/kube/node-scripts.js';
import { COMPONENT_STARTS_SCRIPT } from '../../../src/kube/scripts/components.js';
import { waitHealthyModule } from '../../../src/modules/wait-healthy.js';
import {
  FakeNode,
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
  new FakeNode().on(script(HEALTH_SCRIPT), healthReply(spec)).on(script(COMPONENT_STARTS_SCRIPT), restartedReply());

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
      .on(script(COMPONENT_STARTS_SCRIPT), restartedReply());
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
      );
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
      .on(script(COMPONENT_STARTS_SCRIPT), startsAroundChange(['kube-scheduler']));
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
});
