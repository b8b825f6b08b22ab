// What happened to each host, in an operator's words (renewed, not due, rolled back, half renewed...),
// read from its task records: the recap, the plan and the last line all say it the same way.
import type { HostSummary, RunSummary, TaskRecord } from '../playbook/results.js';

/** The tool's own records (a backup, the in-progress mark): needed, but not a change to the cluster. */
const BOOKKEEPING_MODULES: ReadonlySet<string> = new Set(['backup', 'finish_renewal']);

/** Outside the renewal proper, a dry run's "would" of these is bookkeeping too (tke/certs is backed up on every run). */
const PLAN_BOOKKEEPING_MODULES: ReadonlySet<string> = new Set([...BOOKKEEPING_MODULES, 'tke_certs_configmap']);

export type HostOutcome =
  | 'renewed'
  | 'half renewed'
  | 'due'
  | 'not due'
  | 'not reached'
  | 'failed'
  | 'failed, rolled back'
  | 'failed, rollback failed'
  | 'unreachable'
  | 'changed'
  | 'would change'
  | 'ok';

/** Its main-phase records of `module` that did something (not skipped). */
function ran(h: HostSummary, module: string): TaskRecord[] {
  return h.tasks.filter((t) => t.module === module && t.phase === 'main' && t.status !== 'skipped');
}

function isBad(r: TaskRecord): boolean {
  return (r.status === 'failed' && !r.ignored) || r.status === 'unreachable';
}

/** Whether a rescue ran and every step of it went well (Ansible's `rescued`). */
export function wasRescued(h: HostSummary): boolean {
  const rescue = h.tasks.filter((t) => t.phase === 'rescue');
  return rescue.length > 0 && !rescue.some(isBad);
}

/** preflight's verdict on a master: due or not, why, its soonest certificate. */
export interface DueVerdict {
  due: boolean;
  reason?: string;
  soonest?: { name: string; residualSeconds: number };
}

export function dueVerdict(h: HostSummary): DueVerdict | undefined {
  const data = ran(h, 'preflight').find((r) => r.status === 'ok')?.data;
  if (typeof data?.due !== 'boolean') return undefined;
  const soonest = data.soonest as DueVerdict['soonest'];
  return {
    due: data.due,
    ...(typeof data.reason === 'string' ? { reason: data.reason } : {}),
    ...(soonest ? { soonest } : {}),
  };
}

/** Whether this master's certificates were (or, in a dry run, would be) renewed and the renewal closed. */
export function hostOutcome(h: HostSummary): HostOutcome {
  if (h.status === 'unreachable') return 'unreachable';
  if (h.status === 'failed') {
    if (!h.tasks.some((t) => t.phase === 'rescue')) return 'failed';
    return wasRescued(h) ? 'failed, rolled back' : 'failed, rollback failed';
  }
  if (h.status === 'not-run') return 'not reached';
  if (h.role === 'master') {
    const began = ran(h, 'backup').some((r) => r.status === 'changed');
    const finished = ran(h, 'finish_renewal').some((r) => r.status === 'changed');
    if (finished) return 'renewed';
    // The backup sets the in-progress mark: from there until finish_renewal the master is half done.
    if (began) return 'half renewed';
    if (ran(h, 'kubeadm_renew').some((r) => r.status === 'would-change')) return 'due';
    const verdict = dueVerdict(h);
    if (verdict?.due === false) return 'not due';
    if (verdict?.due === true) return 'not reached';
  }
  return h.status === 'changed' ? 'changed' : h.status === 'would-change' ? 'would change' : 'ok';
}

/** Changes to the cluster itself (bookkeeping left out), made or, in a dry run, that would be made. */
export function realChanges(h: HostSummary): TaskRecord[] {
  return h.tasks.filter((t) => t.status === 'changed' && !BOOKKEEPING_MODULES.has(t.module));
}

/** Changes a real run would make to the cluster (what asking for confirmation is about). */
export function plannedChanges(h: HostSummary): TaskRecord[] {
  return h.tasks.filter((t) => t.status === 'would-change' && !PLAN_BOOKKEEPING_MODULES.has(t.module));
}

/** Whether a real run would change anything in the cluster (a dry run's verdict; bookkeeping aside). */
export function anythingToChange(summary: RunSummary): boolean {
  return summary.clusters.some((c) => c.hosts.some((h) => plannedChanges(h).length > 0));
}
