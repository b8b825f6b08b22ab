// --cluster / --limit: restrict, keep the written order, and refuse names that match nothing.
import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/errors.js';
import { selectTargets } from '../../../src/inventory/targeting.js';
import type { Cluster, Host, Inventory } from '../../../src/inventory/types.js';

function hostOf(cluster: string, name: string, role: Host['role'] = 'master'): Host {
  return {
    name,
    cluster,
    role,
    ssh: { address: name, port: 22, user: 'root', knownHostsFiles: [], connectTimeoutMs: 10_000 },
    become: { enabled: false },
    vars: {},
  };
}

function clusterOf(name: string, masters: string[], workers: string[] = []): Cluster {
  return {
    name,
    type: 'standalone',
    etcd: 'stacked',
    kubeadm: { provision: 'none', mirrorUrl: 'https://example.com/{version}/{arch}', installDir: '/opt/kcr' },
    masters: masters.map((m) => hostOf(name, m)),
    workers: workers.map((w) => hostOf(name, w, 'worker')),
    vars: {},
  };
}

const inv: Inventory = {
  file: '/etc/kcr/prod.yaml',
  clusters: [
    clusterOf('global', ['g-m3', 'g-m1', 'g-m2'], ['g-w1']),
    clusterOf('biz-1', ['b1-m1', 'b1-m2']),
    clusterOf('biz-2', ['b2-m1']),
  ],
};

const names = (i: Inventory) =>
  i.clusters.map((c) => `${c.name}: ${[...c.masters, ...c.workers].map((h) => h.name).join(' ')}`);

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(ExitCode.usage);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('selectTargets', () => {
  it('returns everything without a selection', () => {
    expect(names(selectTargets(inv, {}))).toEqual([
      'global: g-m3 g-m1 g-m2 g-w1',
      'biz-1: b1-m1 b1-m2',
      'biz-2: b2-m1',
    ]);
    expect(names(selectTargets(inv, { clusters: [], limit: [] }))).toHaveLength(3);
  });

  it('keeps the named clusters, in inventory order', () => {
    expect(names(selectTargets(inv, { clusters: ['biz-2', 'global'] }))).toEqual([
      'global: g-m3 g-m1 g-m2 g-w1',
      'biz-2: b2-m1',
    ]);
  });

  it('limits to hosts of any cluster, keeping the masters order as written', () => {
    expect(names(selectTargets(inv, { limit: ['g-m2', 'g-m3', 'b2-m1'] }))).toEqual([
      'global: g-m3 g-m2',
      'biz-2: b2-m1',
    ]);
  });

  it('accepts comma-separated lists and repeats', () => {
    expect(names(selectTargets(inv, { clusters: ['global,biz-1'], limit: ['g-m1,b1-m2', 'g-m1'] }))).toEqual([
      'global: g-m1',
      'biz-1: b1-m2',
    ]);
  });

  it('combines --cluster and --limit', () => {
    expect(names(selectTargets(inv, { clusters: ['global'], limit: ['g-w1'] }))).toEqual(['global: g-w1']);
  });

  it('does not change the inventory it was given', () => {
    selectTargets(inv, { limit: ['g-m1'] });
    expect(inv.clusters[0]?.masters).toHaveLength(3);
  });

  it('refuses an unknown cluster, suggesting the nearest', () => {
    const e = usageError(() => selectTargets(inv, { clusters: ['global', 'biz-3'] }));
    expect(e.oneLine()).toBe('no cluster named "biz-3" in /etc/kcr/prod.yaml (did you mean "biz-1"?)');
  });

  it('refuses an unknown host', () => {
    const e = usageError(() => selectTargets(inv, { limit: ['g-m1', 'zzz'] }));
    expect(e.message).toBe('no host named "zzz" in /etc/kcr/prod.yaml');
    expect(e.hint).toContain('known hosts: g-m3, g-m1');
  });

  it('refuses a host of a cluster that --cluster left out', () => {
    const e = usageError(() => selectTargets(inv, { clusters: ['biz-1'], limit: ['b1-m1', 'g-m1'] }));
    expect(e.oneLine()).toBe(
      'host "g-m1" is in cluster "global", which --cluster did not select (add --cluster global, or drop --limit g-m1)',
    );
  });
});
