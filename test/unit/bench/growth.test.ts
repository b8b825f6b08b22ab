// The bench's growth fit, cluster spans and generated light fleets.
import { describe, expect, it } from 'vitest';
import { clusterSpanMs } from '../../bench/fleet-renewal.js';
import { fitLine } from '../../bench/support/stats.js';
import { lightFleetTopology } from '../../bench/topologies.js';

describe('fitLine', () => {
  it('finds the per-node cost and fixed cost of points on a line', () => {
    const fit = fitLine([10, 50, 100, 200].map((n) => ({ n, ms: 500 + 12 * n })))!;
    expect(fit.perNodeMs).toBeCloseTo(12, 9);
    expect(fit.fixedMs).toBeCloseTo(500, 9);
  });
  it('needs two distinct sizes', () => {
    expect(fitLine([{ n: 10, ms: 1 }])).toBeUndefined();
    expect(
      fitLine([
        { n: 10, ms: 1 },
        { n: 10, ms: 2 },
      ]),
    ).toBeUndefined();
  });
});

describe('clusterSpanMs', () => {
  it('runs from the first task start to the last task end over all hosts', () => {
    const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const hosts = [
      { host: 'm1', role: 'master', status: 'changed', tasks: [{ startedAt: at(0), durationMs: 5000 }] },
      { host: 'm2', role: 'master', status: 'changed', tasks: [{ startedAt: at(6), durationMs: 4000 }] },
    ];
    expect(clusterSpanMs(hosts)).toBe(10_000);
    expect(clusterSpanMs([])).toBe(0);
  });
});

describe('lightFleetTopology', () => {
  it('has clusters of 3 masters and 7 workers for the nodes asked, the first one global', () => {
    const text = lightFleetTopology(200);
    const clusters = text.split('\n').filter((l) => l.startsWith('  - {'));
    expect(clusters).toHaveLength(20);
    expect(clusters.every((l) => l.includes('masters: 3, workers: 7'))).toBe(true);
    expect(clusters[0]).toContain('type: global');
    expect(clusters[19]).toContain('name: fleet19');
  });
});
