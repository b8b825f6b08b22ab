// Failure semantics: rescue / always, stop-on-failure within one cluster only, unreachable hosts,
// and Ctrl-C (in-flight steps finish, nothing new starts, exit 130).
import { beforeEach, describe, expect, it } from 'vitest';
import type { Inventory } from '../../../src/inventory/types.js';
import type { Playbook } from '../../../src/playbook/types.js';
import { inventory, log, onePlay, resetLog, runTestPlaybook } from './helpers.js';

beforeEach(resetLog);

function run(inv: Inventory, pb: Playbook, unreachable: string[] = [], signal?: AbortSignal) {
  return runTestPlaybook(inv, pb, { unreachable, signal });
}

const renew = (failOn: string[], rescueFailOn: string[] = [], dropOn: string[] = []) =>
  onePlay(
    {
      serial: 1,
      tasks: [
        '{ name: backup, module: t_step, args: { tag: backup } }',
        `{ name: renew, module: t_step, args: { tag: renew, failOn: ${JSON.stringify(failOn)}, dropOn: ${JSON.stringify(dropOn)} } }`,
        '{ name: verify, module: t_step, args: { tag: verify } }',
      ],
      rescue: [
        `{ name: restore, module: t_step, args: { tag: restore, failOn: ${JSON.stringify(rescueFailOn)} } }`,
        '{ name: restart, module: t_step, args: { tag: restart } }',
      ],
      always: ['{ name: cleanup, module: t_step, args: { tag: cleanup } }'],
    },
    '  - name: later\n    hosts: masters\n    tasks: [{ name: later, module: t_step, args: { tag: later } }]\n',
  );

const steps = (cluster: string, host: string) =>
  log.intervals.filter((i) => i.cluster === cluster && i.host === host).map((i) => i.task);

describe('rescue and always', () => {
  it('a failed task runs the rescue tasks, then always; the rest of the main tasks do not run', async () => {
    const s = await run(inventory({ c: ['m1', 'm2'] }), renew(['m1']));
    expect(steps('c', 'm1')).toEqual(['backup', 'renew', 'restore', 'restart', 'cleanup']);
    const m1 = s.clusters[0]!.hosts[0]!;
    expect(m1.tasks.map((t) => `${t.task}:${t.phase}:${t.status}`)).toEqual([
      'backup:main:ok',
      'renew:main:failed',
      'restore:rescue:ok',
      'restart:rescue:ok',
      'cleanup:always:ok',
    ]);
    expect(m1.status).toBe('failed');
    expect(m1.failure).toEqual({ task: 'renew', step: 't_step', message: 'step failed on purpose' });
  });

  it('a failing rescue stops the rescue, and always still runs', async () => {
    await run(inventory({ c: ['m1'] }), renew(['m1'], ['m1']));
    expect(steps('c', 'm1')).toEqual(['backup', 'renew', 'restore', 'cleanup']);
  });

  it('a host that succeeds runs always but not rescue', async () => {
    const s = await run(inventory({ c: ['m1'] }), renew([]));
    expect(steps('c', 'm1')).toEqual(['backup', 'renew', 'verify', 'cleanup', 'later']);
    expect(s.exitCode).toBe(0);
  });
});

describe('stop on failure, within one cluster only', () => {
  it('a failed master stops its cluster (later masters not-run, later plays skipped); other clusters complete', async () => {
    const s = await run(inventory({ c1: ['m1', 'm2', 'm3'], c2: ['m4', 'm5'] }), renew(['m2']));
    const [c1, c2] = s.clusters;
    expect(c1!.hosts.map((h) => h.status)).toEqual(['ok', 'failed', 'not-run']);
    expect(steps('c1', 'm3')).toEqual([]);
    expect(log.intervals.filter((i) => i.cluster === 'c1' && i.task === 'later')).toEqual([]);
    expect(c1!.status).toBe('failed');
    expect(c1!.stoppedReason).toBe(
      'm2 failed at "renew" (step t_step, play "renew"): step failed on purpose; rescue ran, changed nothing',
    );
    expect(c2!.status).toBe('ok');
    expect(c2!.hosts.map((h) => h.status)).toEqual(['ok', 'ok']);
    expect(steps('c2', 'm5')).toEqual(['backup', 'renew', 'verify', 'cleanup', 'later']);
    expect(s.exitCode).toBe(2);
  });
});

describe('unreachable hosts', () => {
  it('count as a stop, skip rescue and always, and give exit code 3 when nothing failed', async () => {
    const s = await run(inventory({ c1: ['m1', 'm2'], c2: ['m3'] }), renew([]), ['m1']);
    const m1 = s.clusters[0]!.hosts[0]!;
    expect(m1.tasks.map((t) => `${t.task}:${t.status}`)).toEqual(['backup:unreachable']);
    expect(m1.status).toBe('unreachable');
    expect(s.clusters[0]!.hosts[1]!.status).toBe('not-run');
    expect(s.clusters[0]!.status).toBe('unreachable');
    expect(s.clusters[1]!.status).toBe('ok');
    expect(s.totals.unreachable).toBe(1);
    expect(s.exitCode).toBe(3);
  });

  it('a connection lost mid-task is unreachable too: no rescue', async () => {
    const s = await run(inventory({ c: ['m1'] }), renew([], [], ['m1']));
    expect(steps('c', 'm1')).toEqual(['backup', 'renew']);
    expect(s.clusters[0]!.hosts[0]!.status).toBe('unreachable');
  });

  it('a failed host wins over an unreachable one for the exit code', async () => {
    const s = await run(inventory({ c1: ['m1'], c2: ['m2'] }), renew(['m2']), ['m1']);
    expect(s.exitCode).toBe(2);
  });
});

describe('Ctrl-C', () => {
  const slow = (failOn: string[] = []) =>
    onePlay({
      serial: 1,
      tasks: [
        `{ name: long, module: t_step, args: { ms: 200, tag: long, failOn: ${JSON.stringify(failOn)} } }`,
        '{ name: next, module: t_step, args: { tag: next } }',
      ],
      rescue: ['{ name: restore, module: t_step, args: { tag: restore } }'],
      always: ['{ name: cleanup, module: t_step, args: { tag: cleanup } }'],
    });

  it('lets the in-flight task finish, starts nothing new, and exits 130', async () => {
    const controller = new AbortController();
    const t0 = performance.now();
    setTimeout(() => controller.abort(), 50);
    const s = await run(inventory({ c1: ['m1', 'm2'], c2: ['m3'] }), slow(), [], controller.signal);
    expect(log.intervals.map((i) => `${i.cluster}/${i.host}:${i.task}`).sort()).toEqual(['c1/m1:long', 'c2/m3:long']);
    for (const i of log.intervals) expect(i.end - t0).toBeGreaterThanOrEqual(190);
    const m1 = s.clusters[0]!.hosts[0]!;
    expect(m1.tasks.map((t) => `${t.task}:${t.status}`)).toEqual(['long:ok']);
    expect(s.clusters[0]!.hosts[1]!.status).toBe('not-run');
    expect(s.clusters[0]!.status).toBe('stopped');
    expect(s.clusters[0]!.stoppedReason).toMatch(/interrupted/);
    expect(s.interrupted).toBe(true);
    expect(s.exitCode).toBe(130);
  });

  it('a task that fails after the interrupt still runs its rescue and always, so the host is not left half-done', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const s = await run(inventory({ c: ['m1', 'm2'] }), slow(['m1']), [], controller.signal);
    expect(steps('c', 'm1')).toEqual(['long', 'restore', 'cleanup']);
    expect(steps('c', 'm2')).toEqual([]);
    expect(s.exitCode).toBe(130);
  });

  it('clusters waiting for a fork when Ctrl-C comes are not started', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const pb = slow();
    const s = await runTestPlaybook(inventory({ c1: ['m1'], c2: ['m2'] }), pb, { forks: 1, signal: controller.signal });
    expect(s.clusters.map((c) => c.status)).toEqual(['stopped', 'not-run']);
    expect(log.intervals.map((i) => i.cluster)).toEqual(['c1']);
  });
});
