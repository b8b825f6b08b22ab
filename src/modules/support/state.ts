// Typed access to what modules share: this host's facts, and the cluster's state for the run.
import type { ModuleContext } from '../../playbook/types.js';
import type { NodeFacts } from '../../kube/node-facts.js';
import { StepError } from '../../errors.js';

/** How the cluster is renewed: rolling (healthy cluster) or recovery (certificates already expired). */
export type RenewalPath = 'rolling' | 'expired-recovery';

export const stateKeys = {
  facts: (host: string) => `facts:${host}`,
  due: (host: string) => `due:${host}`,
  path: 'path',
  etcdUrls: 'etcdUrls',
  renewedAtSec: (host: string) => `renewedAtSec:${host}`,
  kubeadmBin: (host: string) => `kubeadmBin:${host}`,
  /** Some master of the cluster was renewed in this run. */
  renewedAny: 'renewedAny',
} as const;

export function getFacts(ctx: ModuleContext, host = ctx.host.name): NodeFacts {
  const facts = ctx.clusterState.get(stateKeys.facts(host)) as NodeFacts | undefined;
  if (!facts) throw new StepError('no node facts: the node_facts module must run first', { cluster: ctx.cluster.name, host });
  return facts;
}

export function setFacts(ctx: ModuleContext, facts: NodeFacts): void {
  ctx.clusterState.set(stateKeys.facts(ctx.host.name), facts);
  ctx.facts.node = facts;
}

export function getPath(ctx: ModuleContext): RenewalPath {
  return (ctx.clusterState.get(stateKeys.path) as RenewalPath | undefined) ?? 'rolling';
}

export function stepError(ctx: ModuleContext, step: string, message: string, hint?: string): StepError {
  return new StepError(message, { cluster: ctx.cluster.name, host: ctx.host.name, step }, hint);
}

export function days(seconds: number): string {
  return `${(seconds / 86400).toFixed(1)}d`;
}
