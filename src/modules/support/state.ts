// Typed reads of what earlier modules left in the run's facts (src/playbook/state.ts).
import type { ModuleContext } from '../../playbook/types.js';
import type { RenewalPath } from '../../playbook/state.js';
import type { NodeFacts } from '../../kube/node-facts.js';
import { StepError } from '../../errors.js';

/** The node facts of this host (or of another master of the cluster); node_facts must have run. */
export function getFacts(ctx: ModuleContext, host = ctx.host.name): NodeFacts {
  const facts = host === ctx.host.name ? ctx.facts.node : ctx.factsOf(host).node;
  if (!facts)
    throw new StepError('no node facts: the node_facts module must run first', { cluster: ctx.cluster.name, host });
  return facts;
}

/** The path cluster_preflight chose; rolling when it did not run. */
export function renewalPath(ctx: ModuleContext): RenewalPath {
  return ctx.clusterFacts.path ?? 'rolling';
}
