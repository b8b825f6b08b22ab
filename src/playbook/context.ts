// What a `when` / `until` condition can read: plain data about the cluster, the host, its facts and
// its registered results. Secrets are not in the inventory model, so none can leak through here.
import type { Cluster, Host } from '../inventory/types.js';
import type { TaskResult } from './results.js';
import type { RunOptions } from './types.js';

export interface ConditionInputs {
  cluster: Cluster;
  host: Host;
  facts: Record<string, unknown>;
  registered: Record<string, TaskResult>;
  options: RunOptions;
  /** The attempt just made, for `until`. */
  result?: TaskResult;
  /** What modules recorded for the whole cluster in this run (e.g. the renewal path). */
  clusterState?: Map<string, unknown>;
}

/** Plain values of the cluster state (strings, numbers, booleans), readable as `cluster.state.<key>`. */
function plainState(state: Map<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of state ?? []) if (['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  return out;
}

export function buildConditionContext(i: ConditionInputs): Record<string, unknown> {
  const c = i.cluster;
  return {
    cluster: {
      name: c.name,
      type: c.type,
      kubernetesVersion: c.kubernetesVersion,
      runtime: c.runtime,
      etcd: c.etcd,
      vars: c.vars,
      masters: c.masters.map((h) => h.name),
      workers: c.workers.map((h) => h.name),
      state: plainState(i.clusterState),
    },
    host: { name: i.host.name, role: i.host.role, address: i.host.ssh.address, vars: i.host.vars },
    facts: i.facts,
    results: i.registered,
    // Host vars win over cluster vars, as in the inventory.
    vars: { ...c.vars, ...i.host.vars },
    options: { dryRun: i.options.dryRun, force: i.options.force, renewWithinSeconds: i.options.renewWithinSeconds, extra: i.options.extra },
    result: i.result,
  };
}
