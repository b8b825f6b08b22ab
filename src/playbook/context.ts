// What a `when` / `until` condition can read: plain data about the cluster, the host, its facts and
// its registered results. Secrets are not in the inventory model, so none can leak through here.
import type { Cluster, Host } from '../inventory/types.js';
import type { TaskResult } from './results.js';
import type { ClusterFacts, HostFacts } from './state.js';
import type { RunOptions } from './types.js';

export interface ConditionInputs {
  cluster: Cluster;
  host: Host;
  facts: HostFacts;
  registered: Record<string, TaskResult>;
  options: RunOptions;
  /** The attempt just made, for `until`. */
  result?: TaskResult;
  /** What modules recorded for the whole cluster in this run (e.g. the renewal path). */
  clusterFacts?: ClusterFacts;
}

/** Plain values of the cluster facts (strings, numbers, booleans), readable as `cluster.state.<key>`. */
function plainState(facts: ClusterFacts | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(facts ?? {})) if (['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  return out;
}

export function buildConditionContext(inputs: ConditionInputs): Record<string, unknown> {
  const c = inputs.cluster;
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
      state: plainState(inputs.clusterFacts),
    },
    host: { name: inputs.host.name, role: inputs.host.role, address: inputs.host.ssh.address, vars: inputs.host.vars },
    facts: inputs.facts,
    results: inputs.registered,
    // Host vars win over cluster vars, as in the inventory.
    vars: { ...c.vars, ...inputs.host.vars },
    options: {
      dryRun: inputs.options.dryRun,
      force: inputs.options.force,
      renewWithinSeconds: inputs.options.renewWithinSeconds,
      checkMode: inputs.options.checkMode ?? 'none',
    },
    result: inputs.result,
  };
}
