// `--cluster NAME` and `--limit HOST` (both repeatable, comma-separated lists accepted): the
// inventory restricted to those clusters and hosts, in the order written. A name that matches
// nothing is a usage error (exit 5), never a silent no-op.
import { UsageError } from '../errors.js';
import { suggestionHint } from '../yaml/closest.js';
import type { Cluster, Inventory } from './types.js';

export interface TargetSelection {
  /** Cluster names; none or empty means every cluster. */
  clusters?: string[];
  /** Host names (of any cluster); none or empty means every host of the selected clusters. */
  limit?: string[];
}

export function selectTargets(inv: Inventory, selection: TargetSelection): Inventory {
  const clusterNames = splitNames(selection.clusters);
  // Host names match without case, as Kubernetes node names do (VM-0-12-centos is vm-0-12-centos).
  const hostNames = new Set([...splitNames(selection.limit)].map((n) => n.toLowerCase()));
  const known = inv.clusters.map((c) => c.name);
  for (const name of clusterNames) {
    if (!known.includes(name))
      throw new UsageError(`no cluster named "${name}" in ${inv.file}`, suggestionHint(name, known, 'clusters'));
  }
  let clusters = clusterNames.size > 0 ? inv.clusters.filter((c) => clusterNames.has(c.name)) : inv.clusters;
  if (hostNames.size > 0) {
    for (const name of hostNames) {
      if (!clusters.some((c) => hostsOf(c).some((h) => h.name.toLowerCase() === name))) throw unmatchedHost(inv, name);
    }
    clusters = clusters
      .map((c) => ({
        ...c,
        masters: c.masters.filter((h) => hostNames.has(h.name.toLowerCase())),
        mastersLeftOut: c.masters.filter((h) => !hostNames.has(h.name.toLowerCase())).map((h) => h.name),
        workers: c.workers.filter((h) => hostNames.has(h.name.toLowerCase())),
      }))
      .filter((c) => c.masters.length + c.workers.length > 0);
  }
  return { ...inv, clusters };
}

function unmatchedHost(inv: Inventory, name: string): UsageError {
  const owner = inv.clusters.find((c) => hostsOf(c).some((h) => h.name.toLowerCase() === name));
  if (owner)
    return new UsageError(
      `host "${name}" is in cluster "${owner.name}", which --cluster did not select`,
      `add --cluster ${owner.name}, or drop --limit ${name}`,
    );
  const all = inv.clusters.flatMap((c) => hostsOf(c).map((h) => h.name));
  return new UsageError(`no host named "${name}" in ${inv.file}`, suggestionHint(name, all, 'hosts'));
}

function hostsOf(cluster: Cluster) {
  return [...cluster.masters, ...cluster.workers];
}

/** `['a,b', 'c']` -> {a, b, c}; empty items ignored. */
function splitNames(values: string[] | undefined): Set<string> {
  return new Set(
    (values ?? [])
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v.length > 0),
  );
}
