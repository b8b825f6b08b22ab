// Task semantics: retries / delay / until, timeout, ignoreErrors, dry-run, register, publish.
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunOptions } from '../../../src/playbook/types.js';
import { inventory, log, playbook, resetLog, runTestPlaybook } from './helpers.js';

beforeEach(resetLog);

/** The tasks as one play over the masters of cluster c (`masters`, default m1). */
function runOne(tasksYaml: string, opts: Partial<RunOptions> = {}, masters = ['m1']) {
  const pb = playbook(`
name: t
plays:
  - name: p
    hosts: masters
    tasks:
${tasksYaml}
`);
  return runTestPlaybook(inventory({ c: masters }), pb, { options: opts, forks: 1 });
}

describe('retries, delay, until', () => {
  it('retries a failing task until it succeeds, waiting `delay` between attempts', async () => {
    const s = await runOne('      - { module: t_step, args: { failFirst: 2 }, retries: 3, delay: 0.05 }');
    const rec = s.clusters[0]!.hosts[0]!.tasks[0]!;
    expect(rec.status).toBe('ok');
    expect(log.attempts.get('c/m1')).toBe(3);
    const starts = log.intervals.map((i) => i.start);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(45);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(45);
  });

  it('fails once the retries are exhausted and says how many attempts were made', async () => {
    const s = await runOne('      - { module: t_step, args: { failFirst: 9 }, retries: 1, delay: 0 }');
    const rec = s.clusters[0]!.hosts[0]!.tasks[0]!;
    expect(rec.status).toBe('failed');
    expect(rec.message).toBe('attempt 2 failed (after 2 attempts)');
    expect(log.attempts.get('c/m1')).toBe(2);
    expect(s.exitCode).toBe(2);
  });

  it('until: repeats successful attempts until the condition on the registered result holds', async () => {
    const s = await runOne(
      '      - { module: t_step, register: probe, until: "results.probe.data.attempt >= 3", retries: 5, delay: 0 }',
    );
    expect(log.attempts.get('c/m1')).toBe(3);
    expect(s.clusters[0]!.hosts[0]!.tasks[0]!.status).toBe('ok');
  });

  it('until: the current attempt is also readable as `result`; never true -> failed', async () => {
    const s = await runOne('      - { module: t_step, until: "result.data.attempt > 10", retries: 2, delay: 0 }');
    const rec = s.clusters[0]!.hosts[0]!.tasks[0]!;
    expect(log.attempts.get('c/m1')).toBe(3);
    expect(rec.status).toBe('failed');
    expect(rec.message).toMatch(/^until "result.data.attempt > 10" still false after 3 attempt\(s\)/);
  });
});

describe('timeout', () => {
  it('aborts a task that runs too long and fails the host, without waiting for the module', async () => {
    const t0 = performance.now();
    const s = await runOne(
      '      - { module: t_step, args: { ms: 3000, ignoreSignal: true }, timeout: 0.1 }\n      - { name: next, module: t_step }',
    );
    const host = s.clusters[0]!.hosts[0]!;
    expect(host.tasks).toHaveLength(1);
    expect(host.tasks[0]!.status).toBe('failed');
    expect(host.tasks[0]!.message).toBe('timed out after 0.1s');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('aborts the module signal so a well-behaved module stops early', async () => {
    await runOne('      - { module: t_step, args: { ms: 3000 }, timeout: 0.05 }');
    await new Promise((r) => setTimeout(r, 20));
    expect(log.intervals).toHaveLength(1);
    expect(log.intervals[0]!.end - log.intervals[0]!.start).toBeLessThan(1000);
  });
});

describe('ignoreErrors', () => {
  it('records the failure as ignored and goes on; the host is not failed', async () => {
    const s = await runOne(
      '      - { module: t_step, args: { failOn: [m1] }, ignoreErrors: true }\n      - { name: next, module: t_step, args: { status: changed } }',
    );
    const host = s.clusters[0]!.hosts[0]!;
    expect(host.tasks.map((t) => [t.status, t.ignored ?? false])).toEqual([
      ['failed', true],
      ['changed', false],
    ]);
    expect(host.status).toBe('changed');
    expect(host.failure).toBeUndefined();
    expect(s.exitCode).toBe(0);
  });
});

describe('dry run', () => {
  it('decides but never applies a mutating module; a change is "would-change", counted; read-only modules still run', async () => {
    const s = await runOne(
      '      - { module: t_step, args: { tag: read } }\n      - { module: t_mutate }\n      - { module: t_mutate, args: { decision: ok } }\n      - { module: t_mutate, args: { decision: skip } }',
      { dryRun: true },
    );
    expect(log.mutateRuns).toBe(0);
    expect(log.decideRuns).toBe(3);
    expect(log.intervals.map((i) => i.task)).toEqual(['read']);
    const host = s.clusters[0]!.hosts[0]!;
    expect(host.tasks.map((t) => [t.module, t.status, t.message])).toEqual([
      ['t_step', 'ok', 'ok after 0ms'],
      ['t_mutate', 'would-change', 'would change it'],
      ['t_mutate', 'ok', 'already right'],
      ['t_mutate', 'skipped', 'nothing to do here'],
    ]);
    expect(host.status).toBe('would-change');
    expect(host.counts).toMatchObject({ ok: 2, 'would-change': 1, skipped: 1, changed: 0 });
    expect(s.totals['would-change']).toBe(1);
    expect(s.clusters[0]!.status).toBe('would-change');
    expect(s.dryRun).toBe(true);
    expect(s.exitCode).toBe(0);
  });

  it('without dry run the mutating module decides, then applies its plan', async () => {
    const s = await runOne('      - { module: t_mutate }\n      - { module: t_mutate, args: { decision: ok } }');
    expect(log.decideRuns).toBe(2);
    expect(log.mutateRuns).toBe(1);
    const host = s.clusters[0]!.hosts[0]!;
    expect(host.tasks.map((t) => [t.status, t.message])).toEqual([
      ['changed', 'changed it (the plan)'],
      ['ok', 'already right'],
    ]);
    expect(host.status).toBe('changed');
  });
});

describe('the due gate', () => {
  it('skips a gated module where `due` is false, in both modes, without deciding; unknown `due` is not gated', async () => {
    for (const dryRun of [false, true]) {
      resetLog();
      const s = await runOne(
        '      - { module: t_step, args: { due: false }, when: host.name == "m1" }\n      - { module: t_mutate, args: { gated: true } }\n      - { module: t_mutate }',
        { dryRun },
        ['m1', 'm2'],
      );
      const [m1, m2] = s.clusters[0]!.hosts;
      const change = dryRun ? 'would-change' : 'changed';
      expect(m1!.tasks.slice(1).map((t) => [t.status, t.message])).toEqual([
        ['skipped', 'not due for renewal'],
        [change, dryRun ? 'would change it' : 'changed it (the plan)'],
      ]);
      // m2 never got a `due` fact (no preflight): nothing is gated.
      expect(m2!.tasks.slice(1).map((t) => t.status)).toEqual([change, change]);
      expect(log.decideRuns).toBe(3);
    }
  });
});

describe('publish', () => {
  it('puts module data into the host and cluster summaries', async () => {
    const s = await runOne('      - { module: t_step, args: { publish: true } }');
    expect(s.clusters[0]!.data).toEqual({ tkeCertsBackup: 'm1' });
    expect(s.clusters[0]!.hosts[0]!.data).toEqual({ backupDir: 'm1' });
  });
});

describe('built-in modules', () => {
  it('assert fails the host with its message when the condition is false, and passes otherwise', async () => {
    const s = await runOne(`      - { module: assert, args: { that: 'host.role == "master"' } }
      - { module: assert, args: { that: 'vars.zone == "elsewhere"', message: 'wrong zone' } }`);
    expect(s.clusters[0]!.hosts[0]!.tasks.map((t) => [t.status, t.message])).toEqual([
      ['ok', 'assertion holds: host.role == "master"'],
      ['failed', 'wrong zone'],
    ]);
  });

  it('pause waits, and ends early when its task times out', async () => {
    const t0 = performance.now();
    const s = await runOne(
      '      - { module: pause, args: { seconds: 0.05 } }\n      - { module: pause, args: { seconds: 30 }, timeout: 0.05 }',
    );
    expect(s.clusters[0]!.hosts[0]!.tasks.map((t) => t.status)).toEqual(['ok', 'failed']);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
