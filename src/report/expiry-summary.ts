// One line's worth per cluster for `check`: how many masters (and workers) are ok, warning,
// critical or unreachable, and the certificate that ends first. Pure.
import type { ExpiryEntry, ExpiryReport, NodeReport, Severity } from './expiry.js';

export type NodeVerdict = Severity | 'unreachable';

export interface RoleCounts {
  total: number;
  ok: number;
  warning: number;
  critical: number;
  unreachable: number;
}

export interface ClusterExpiry {
  cluster: string;
  masters: RoleCounts;
  workers: RoleCounts;
  soonest?: ExpiryEntry;
  /** Its nodes, those with the soonest expiry first; unread ones last, in inventory order. */
  nodes: NodeReport[];
  /** Something short of fine: a warning, a critical, an unread node, or a problem. */
  needsLook: boolean;
}

/** A node's worst certificate, or unreachable when nothing was read. */
export function nodeVerdict(node: NodeReport, entries: ExpiryEntry[]): NodeVerdict {
  if (!node.read) return 'unreachable';
  const mine = entries.filter((e) => e.cluster === node.cluster && e.node === node.node);
  if (mine.some((e) => e.severity === 'critical')) return 'critical';
  if (mine.some((e) => e.severity === 'warning')) return 'warning';
  return 'ok';
}

/** Clusters ordered by their soonest expiry (entries are sorted already), unread-only clusters last. */
export function summarizeClusters(report: ExpiryReport): ClusterExpiry[] {
  const rank = new Map<string, number>();
  report.entries.forEach((e, i) => {
    for (const key of [e.cluster, `${e.cluster}/${e.node}`]) if (!rank.has(key)) rank.set(key, i);
  });
  const order = (key: string): number => rank.get(key) ?? Number.MAX_SAFE_INTEGER;
  const names = [...new Set(report.nodes.map((n) => n.cluster))].sort((a, b) => order(a) - order(b));
  return names.map((cluster) => {
    const nodes = report.nodes
      .filter((n) => n.cluster === cluster)
      .sort((a, b) => order(`${cluster}/${a.node}`) - order(`${cluster}/${b.node}`));
    const count = (role: 'master' | 'worker'): RoleCounts => {
      const c: RoleCounts = { total: 0, ok: 0, warning: 0, critical: 0, unreachable: 0 };
      for (const n of nodes.filter((x) => (role === 'master' ? x.role === 'master' : x.role !== 'master'))) {
        c.total++;
        c[nodeVerdict(n, report.entries)]++;
      }
      return c;
    };
    const masters = count('master');
    const workers = count('worker');
    const entries = report.entries.filter((e) => e.cluster === cluster);
    const needsLook =
      masters.ok + workers.ok < nodes.length ||
      nodes.some((n) => n.problems.length > 0) ||
      entries.some((e) => e.problems.length > 0);
    return { cluster, masters, workers, soonest: entries[0], nodes, needsLook };
  });
}
