// restart_control_plane: the order, the refusals that keep etcd's quorum and the kubelet, and the
// proof that each component came back as a new container started after the removal.
import { describe, expect, it } from 'vitest';
import { ETCD_MOVE_LEADER_SCRIPT, HEALTH_SCRIPT } from '../../../src/kube/node-scripts.js';
import { CLOCK_THEN_EXEC_SCRIPT } from '../../../src/kube/scripts/components.js';
import { KUBELET_HEALTH_SCRIPT } from '../../../src/kube/scripts/kubelet.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { restartControlPlaneModule } from '../../../src/modules/restart-control-plane.js';
import type { HostFacts } from '../../../src/playbook/state.js';
import {
  command,
  FakeNode,
  healthReply,
  nodeFacts,
  runModule,
  script,
  testPem,
  type HealthSpec,
  type Reply,
} from './harness.js';

/** KUBELET_HEALTH_SCRIPT's output as captured (test/unit/kube/fixtures/kubelet-health). */
const kubeletFixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, '..', 'kube', 'fixtures', 'kubelet-health', `${name}.txt`), 'utf8');
/** One reply per sample, the last one repeated. */
const kubeletReplies =
  (outputs: string[]) =>
  (_argv: readonly string[], nth: number): Reply => ({ stdout: outputs[Math.min(nth, outputs.length - 1)] });

/** A container id per component and generation (hex, as docker prints them). */
const id = (component: string, generation: number): string =>
  `${Buffer.from(component).toString('hex').slice(0, 12)}${String(generation).padStart(4, '0')}`;

interface NodeSpec {
  /** KUBELET_HEALTH_SCRIPT's replies, one per sample (the last repeats); default: up for days. */
  kubelet?: string[];
  health?: HealthSpec;
  /** Components that never come back after their removal. */
  stuck?: string[];
  clock?: Reply;
}

/** A docker master whose containers come back as new ones after `docker rm`. */
function master(spec: NodeSpec = {}): FakeNode {
  const generation = new Map<string, number>();
  const componentOf = (argv: readonly string[]): string =>
    (argv.find((a) => a.startsWith('label=')) ?? '').replace('label=io.kubernetes.container.name=', '');
  return new FakeNode()
    .on(script(KUBELET_HEALTH_SCRIPT), kubeletReplies(spec.kubelet ?? [kubeletFixture('healthy-systemd-252')]))
    .on(script(HEALTH_SCRIPT), healthReply(spec.health ?? {}))
    .on(script(ETCD_MOVE_LEADER_SCRIPT), { stdout: 'not-leader\n' })
    .on(command('docker', 'ps'), (argv) => ({
      stdout: `${id(componentOf(argv), generation.get(componentOf(argv)) ?? 0)}\n`,
    }))
    .on(script(CLOCK_THEN_EXEC_SCRIPT), (argv) => {
      if (spec.clock) return spec.clock;
      const component = [
        ...generation.keys(),
        'etcd',
        'kube-apiserver',
        'kube-controller-manager',
        'kube-scheduler',
      ].find((c) => argv.includes(id(c, generation.get(c) ?? 0)))!;
      if (!spec.stuck?.includes(component)) generation.set(component, (generation.get(component) ?? 0) + 1);
      return { stdout: `${Math.floor(Date.now() / 1000)}\n` };
    })
    .on(command('docker', 'inspect'), { stdout: `${new Date(Date.now() + 1000).toISOString()}\n` });
}

function restart(
  node: FakeNode,
  args: Record<string, unknown> = {},
  facts: HostFacts = {},
  more: {
    dryRun?: boolean;
    etcd?: 'stacked' | 'external';
    options?: { restartTimeoutMs?: number; etcdStartTimeoutMs?: number };
  } = {},
) {
  return runModule(restartControlPlaneModule, args, {
    nodes: { m1: node },
    facts: { m1: { node: nodeFacts(10), due: true, ...facts } },
    clusterFacts: { etcdUrls: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379', 'https://10.0.0.3:2379'] },
    options: { dryRun: more.dryRun ?? false, ...more.options },
    cluster: { etcd: more.etcd ?? 'stacked' },
  });
}

const removed = (node: FakeNode): string[] =>
  node.calls.filter((c) => script(CLOCK_THEN_EXEC_SCRIPT)(c)).map((c) => c.slice(4).join(' '));

describe('restart_control_plane', () => {
  it('restarts etcd first, then the API server, controller-manager and scheduler, each proven new', async () => {
    const node = master();
    const run = await restart(node);
    expect(run.record).toMatchObject({
      status: 'changed',
      message: 'restarted etcd, kube-apiserver, kube-controller-manager, kube-scheduler (docker)',
    });
    expect(removed(node)).toEqual(
      ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((c) => `docker rm -f ${id(c, 0)}`),
    );
    expect(Object.keys(run.report.restartedAt ?? {})).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
    ]);
    expect(run.facts.restartedAny).toBe(true);
    // etcd leadership is handed over before etcd restarts.
    expect(node.count(script(ETCD_MOVE_LEADER_SCRIPT))).toBe(1);
  });

  it('leaves etcd alone when it is external', async () => {
    const node = master();
    const run = await restart(node, {}, {}, { etcd: 'external' });
    expect(run.record.message).toBe('restarted kube-apiserver, kube-controller-manager, kube-scheduler (docker)');
    expect(node.count(script(ETCD_MOVE_LEADER_SCRIPT))).toBe(0);
  });

  it('refuses to restart etcd while another member is unhealthy (quorum), removing nothing', async () => {
    const node = master({ health: { unhealthy: ['https://10.0.0.3:2379'] } });
    const run = await restart(node);
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toBe(
      'refusing to restart etcd: etcd member m3 (https://10.0.0.3:2379) unhealthy ({"health":"false"}) (restarting now could lose quorum)',
    );
    expect(removed(node)).toEqual([]);
    expect(run.facts.restartedAny).toBeUndefined();
  });

  it('refuses to remove containers when the kubelet is not running (nothing would recreate them)', async () => {
    const down = kubeletFixture('healthy-systemd-252')
      .replace(
        'ok\n200',
        "curl: (7) Failed to connect to 127.0.0.1 port 10248 after 0 ms: Couldn't connect to server\n000",
      )
      .replace('ActiveState=active', 'ActiveState=inactive')
      .replace('SubState=running', 'SubState=dead');
    const node = master({ kubelet: [down] });
    const run = await restart(node, { kubeletTimeoutSeconds: 0.05 });
    expect(run.record).toMatchObject({ status: 'failed' });
    expect(run.record.message).toMatch(
      /^kubelet not healthy after \d+s: kubelet\.service is inactive \(dead\); refusing to remove containers it would not recreate$/,
    );
    expect(removed(node)).toEqual([]);
  });

  it('refuses, before removing anything, a crash-looping kubelet that is `active` and answers healthz when first seen', async () => {
    // Real outputs: caught 3 s into a run (healthz ok, NRestarts=7), then in auto-restart (NRestarts=8).
    const node = master({ kubelet: [kubeletFixture('crashloop-up-3s'), kubeletFixture('crashloop-auto-restart')] });
    const run = await restart(node);
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toMatch(
      /^kubelet is crash-looping: systemd restarted it 1 time\(s\) in \ds \(NRestarts 7 -> 8\); refusing to remove containers it would not recreate$/,
    );
    expect(removed(node)).toEqual([]);
    expect(node.count(command('docker', 'ps'))).toBe(0);
  });

  it('waits for a kubelet started moments ago until it has stayed up longer than its restart delay', async () => {
    // Up 3 s at first; 18 s later on the node's clock, same activation, NRestarts unchanged.
    const young = kubeletFixture('crashloop-up-3s').replace('NRestarts=7', 'NRestarts=0');
    const older = young.replace('1796306610', '1796306628');
    const node = master({ kubelet: [young, older] });
    const run = await restart(node, { components: ['kube-scheduler'] });
    expect(run.record.status).toBe('changed');
    expect(node.count(script(KUBELET_HEALTH_SCRIPT))).toBe(2);
  });

  it('fails when the runtime is unknown, or a component has no running container', async () => {
    const unknown = await runModule(
      restartControlPlaneModule,
      {},
      { nodes: { m1: master() }, facts: { m1: { node: nodeFacts(10, { runtime: undefined }) } } },
    );
    expect(unknown.record).toMatchObject({ status: 'failed', message: 'container runtime unknown' });
    const empty = new FakeNode()
      .on(command('docker', 'ps'), { stdout: '' })
      .on(script(KUBELET_HEALTH_SCRIPT), kubeletReplies([kubeletFixture('healthy-systemd-252')]));
    const run = await restart(empty, { components: ['kube-apiserver'] });
    expect(run.record).toMatchObject({ status: 'failed', message: 'no running kube-apiserver container' });
  });

  it("removes nothing when the node's clock cannot be read (a removal it could not date proves nothing)", async () => {
    const node = master({ clock: { stdout: 'not a clock: date: command not found\n', exitCode: 1 } });
    const run = await restart(node, { components: ['kube-apiserver'] });
    expect(run.record).toMatchObject({
      status: 'failed',
      message: "cannot read the node's clock: date: command not found; nothing was removed",
    });
  });

  it('fails when the runtime cannot remove the container', async () => {
    const node = master({
      clock: {
        stdout: `${Math.floor(Date.now() / 1000)}\n`,
        stderr: 'Error response from daemon: conflict\n',
        exitCode: 1,
      },
    });
    const run = await restart(node, { components: ['kube-apiserver'] });
    expect(run.record).toMatchObject({
      status: 'failed',
      message: 'docker could not remove kube-apiserver: Error response from daemon: conflict',
    });
  });

  it('fails when a component does not come back in time', async () => {
    const node = master({ stuck: ['kube-scheduler'] });
    const run = await restart(node, { components: ['kube-scheduler'], comebackTimeoutSeconds: 1 });
    expect(run.record).toMatchObject({
      status: 'failed',
      message: 'kube-scheduler did not come back within 1s after its container was removed',
    });
  });

  it('without a playbook value, waits --restart-timeout for a container to come back', async () => {
    const node = master({ stuck: ['kube-scheduler'] });
    const run = await restart(node, { components: ['kube-scheduler'] }, {}, { options: { restartTimeoutMs: 2000 } });
    expect(run.record).toMatchObject({
      status: 'failed',
      message: 'kube-scheduler did not come back within 2s after its container was removed',
    });
  });

  it('a restarted local etcd that does not serve again within --etcd-start-timeout fails, naming the setting', async () => {
    const node = master({ health: { served: testPem('02') } });
    const run = await restart(
      node,
      { components: ['etcd'], checkQuorum: false },
      {},
      { options: { etcdStartTimeoutMs: 1000 } },
    );
    expect(run.record).toMatchObject({
      status: 'failed',
      message:
        'etcd not back 1s after its restart: etcd serves an old certificate (a large database can take minutes: raise --etcd-start-timeout)',
    });
  });

  it('in rescue, restarts only where this run restarted something', async () => {
    const node = master();
    const run = await restart(node, { onlyIfRestarted: true, checkQuorum: false });
    expect(run.record).toMatchObject({
      status: 'skipped',
      message: 'no component was restarted in this run: the running ones still use the certificates on disk',
    });
    expect(node.calls).toEqual([]);
    const again = await restart(master(), { onlyIfRestarted: true, checkQuorum: false }, { restartedAny: true });
    expect(again.record.status).toBe('changed');
  });

  it('is skipped on a master that is not due; in a dry run says what it would restart', async () => {
    const node = master();
    expect((await restart(node, {}, { due: false })).record).toMatchObject({
      status: 'skipped',
      message: 'not due for renewal',
    });
    const dry = await restart(node, {}, {}, { dryRun: true });
    expect(dry.record).toMatchObject({
      status: 'would-change',
      message: 'would restart etcd, kube-apiserver, kube-controller-manager, kube-scheduler with docker',
    });
    expect(node.calls).toEqual([]);
  });
});
