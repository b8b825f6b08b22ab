// Scheduling: serial within a cluster, parallel across clusters, the forks bound, `once`, `when`.
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/playbook/events.js';
import type { Inventory } from '../../../src/inventory/types.js';
import type { Playbook } from '../../../src/playbook/types.js';
import { inventory, log, onePlay, overlaps, playbook, resetLog, runTestPlaybook, type Interval } from './helpers.js';

beforeEach(resetLog);

function run(inv: Inventory, pb: Playbook, forks = 10, unreachable: string[] = [], events?: RunEvent[]) {
  return runTestPlaybook(inv, pb, { forks, unreachable, onEvent: events && ((e) => events.push(e)) });
}

function maxConcurrency(intervals: Interval[]): number {
  const points = intervals
    .flatMap((i) => [
      { t: i.start, d: 1 },
      { t: i.end, d: -1 },
    ])
    .sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const p of points) max = Math.max(max, (now += p.d));
  return max;
}

const twoSteps = (serial?: number) =>
  onePlay({
    serial,
    tasks: [
      '{ name: a, module: t_step, args: { ms: 40, tag: a } }',
      '{ name: b, module: t_step, args: { ms: 40, tag: b } }',
    ],
  });

describe('serial within a cluster', () => {
  it('serial: 1 runs the whole task list on one master before the next, never two at once', async () => {
    const summary = await run(inventory({ c1: ['m1', 'm2', 'm3'] }), twoSteps(1));
    expect(summary.exitCode).toBe(0);
    const ivs = log.intervals;
    expect(ivs).toHaveLength(6);
    for (const a of ivs) for (const b of ivs) if (a.host !== b.host) expect(overlaps(a, b)).toBe(false);
    expect(ivs.map((i) => `${i.host}:${i.task}`)).toEqual(['m1:a', 'm1:b', 'm2:a', 'm2:b', 'm3:a', 'm3:b']);
  });

  it('serial: 2 runs batches of two hosts, the next batch only after the first is done', async () => {
    await run(inventory({ c1: ['m1', 'm2', 'm3'] }), twoSteps(2));
    const end = (h: string) => Math.max(...log.intervals.filter((i) => i.host === h).map((i) => i.end));
    const start = (h: string) => Math.min(...log.intervals.filter((i) => i.host === h).map((i) => i.start));
    expect(
      overlaps(
        log.intervals.find((i) => i.host === 'm1')!,
        log.intervals.find((i) => i.host === 'm2')!,
      ),
    ).toBe(true);
    expect(start('m3')).toBeGreaterThanOrEqual(Math.max(end('m1'), end('m2')));
  });

  it('without serial all hosts of a cluster run at once', async () => {
    await run(inventory({ c1: ['m1', 'm2', 'm3'] }), twoSteps());
    expect(maxConcurrency(log.intervals)).toBe(3);
  });
});

describe('clusters in parallel, bounded by forks', () => {
  const slow = () => onePlay({ serial: 1, tasks: ['{ module: t_step, args: { ms: 300 } }'] });
  it('two clusters with a 300 ms task each overlap in time', async () => {
    await run(inventory({ c1: ['m1'], c2: ['m1'] }), slow());
    const [a, b] = log.intervals;
    expect(a!.cluster).not.toBe(b!.cluster);
    expect(overlaps(a!, b!)).toBe(true);
  });

  it('forks: 1 runs clusters one after another', async () => {
    await run(inventory({ c1: ['m1'], c2: ['m1'], c3: ['m1'] }), twoSteps(), 1);
    expect(maxConcurrency(log.intervals)).toBe(1);
  });

  it('forks: 2 never runs more than two clusters at once', async () => {
    const summary = await run(inventory({ c1: ['m1'], c2: ['m1'], c3: ['m1'], c4: ['m1'] }), twoSteps(), 2);
    expect(maxConcurrency(log.intervals)).toBe(2);
    expect(summary.clusters.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });
});

describe('once', () => {
  const once = `
name: t
plays:
  - name: tke
    hosts: masters
    once: true
    tasks: [{ module: t_step, args: { tag: once } }]
  - name: after
    hosts: masters
    tasks: [{ module: t_step, args: { tag: after } }]
`;
  it('runs for the first host of each cluster only', async () => {
    const summary = await run(inventory({ c1: ['m1', 'm2', 'm3'], c2: ['m4', 'm5'] }), playbook(once));
    expect(log.intervals.filter((i) => i.task === 'once').map((i) => `${i.cluster}/${i.host}`)).toEqual([
      'c1/m1',
      'c2/m4',
    ]);
    expect(summary.exitCode).toBe(0);
  });

  it('skips an unreachable first host: the next one runs the play, then the cluster stops', async () => {
    const summary = await run(inventory({ c1: ['m1', 'm2'] }), playbook(once), 10, ['m1']);
    expect(log.intervals.filter((i) => i.task === 'once').map((i) => i.host)).toEqual(['m2']);
    expect(log.intervals.filter((i) => i.task === 'after')).toEqual([]);
    const c1 = summary.clusters[0]!;
    expect(c1.hosts.find((h) => h.host === 'm1')!.status).toBe('unreachable');
    expect(c1.stoppedReason).toMatch(/^m1 unreachable at "t_step"/);
    expect(summary.exitCode).toBe(3);
  });
});

describe('when', () => {
  it('a play condition selects clusters; skipped tasks are recorded as skipped', async () => {
    const pb = playbook(`
name: t
plays:
  - name: global only
    hosts: masters
    when: cluster.type == "global" and host.vars.rack is defined
    tasks: [{ name: tke, module: t_step }]
`);
    const summary = await run(inventory({ g: ['m1'], s: ['m2'] }, { g: 'global' }), pb);
    expect(log.intervals.map((i) => i.cluster)).toEqual(['g']);
    const skipped = summary.clusters[1]!.hosts[0]!;
    expect(skipped.status).toBe('skipped');
    expect(skipped.tasks[0]!.message).toContain('cluster.type == "global"');
  });

  it('task conditions read host, facts and registered results', async () => {
    const pb = playbook(`
name: t
plays:
  - name: p
    hosts: all
    tasks:
      - { name: first, module: t_step, args: { status: changed }, register: first, when: host.role == "master" }
      - { name: m2 only, module: t_step, args: { tag: m2, due: true }, when: 'host.name in ["m2"]' }
      - { name: ready, module: t_step, args: { tag: ready }, when: facts.due is defined }
      - { name: after change, module: t_step, args: { tag: changed }, when: results.first.status == "changed" }
`);
    const summary = await run(inventory({ c: ['m1', 'm2', 'w1'] }), pb);
    const ran = (tag: string) =>
      log.intervals
        .filter((i) => i.task === tag)
        .map((i) => i.host)
        .sort();
    expect(ran('m2')).toEqual(['m2']);
    expect(ran('ready')).toEqual(['m2']);
    expect(ran('changed')).toEqual(['m1', 'm2']);
    const w1 = summary.clusters[0]!.hosts.find((h) => h.host === 'w1')!;
    expect(w1.tasks.map((t) => t.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(w1.status).toBe('skipped');
  });
});

describe('events', () => {
  it('are emitted in order, with a taskEnd for every record', async () => {
    const events: RunEvent[] = [];
    const summary = await run(inventory({ c: ['m1'] }), twoSteps(), 10, [], events);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('runStart');
    expect(types.at(-1)).toBe('runEnd');
    expect(types).toEqual([
      'runStart',
      'clusterStart',
      'playStart',
      'taskStart',
      'taskEnd',
      'taskStart',
      'taskEnd',
      'hostEnd',
      'clusterEnd',
      'runEnd',
    ]);
    expect(summary.totals.ok).toBe(2);
  });
});
