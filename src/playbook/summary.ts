// Rolling records up: host status, cluster status, run totals and the exit code.
import { ExitCode } from '../errors.js';
import type { ClusterSummary, HostStatus, HostSummary, TaskRecord, TaskStatus } from './results.js';

export function emptyCounts(): Record<TaskStatus, number> {
  return { ok: 0, changed: 0, 'would-change': 0, skipped: 0, failed: 0, unreachable: 0 };
}

export function countRecords(records: readonly TaskRecord[], into = emptyCounts()): Record<TaskStatus, number> {
  for (const r of records) into[r.status]++;
  return into;
}

/** failed > unreachable > changed > would-change > ok > skipped; a tolerated failure counts as ok; no task: not-run. */
export function hostStatus(records: readonly TaskRecord[]): HostStatus {
  if (records.length === 0) return 'not-run';
  const effective = new Set(records.map((r) => (r.status === 'failed' && r.ignored ? 'ok' : r.status)));
  const order: HostStatus[] = ['failed', 'unreachable', 'changed', 'would-change', 'ok', 'skipped'];
  return order.find((s) => effective.has(s as TaskStatus)) ?? 'skipped';
}

/** The first task that failed the host (a tolerated failure does not). */
export function firstFailure(records: readonly TaskRecord[]): HostSummary['failure'] {
  const r = records.find((x) => (x.status === 'failed' && !x.ignored) || x.status === 'unreachable');
  return r ? { task: r.task, step: r.module, message: r.message } : undefined;
}

/** `progress`: whether the cluster ran all it had to, was cut short by an interrupt, or never began. */
export function clusterStatus(
  hosts: readonly HostSummary[],
  progress: 'complete' | 'interrupted' | 'not-started',
): ClusterSummary['status'] {
  const statuses = new Set(hosts.map((h) => h.status));
  if (statuses.has('failed')) return 'failed';
  if (statuses.has('unreachable')) return 'unreachable';
  if (progress === 'not-started') return 'not-run';
  if (progress === 'interrupted') return 'stopped';
  return statuses.has('changed') ? 'changed' : statuses.has('would-change') ? 'would-change' : 'ok';
}

/** 130 interrupted, 2 a host failed, 3 only unreachable hosts, else 0. */
export function runExitCode(clusters: readonly ClusterSummary[], interrupted: boolean): number {
  if (interrupted) return ExitCode.interrupted;
  const statuses = new Set(clusters.flatMap((c) => c.hosts.map((h) => h.status)));
  if (statuses.has('failed')) return ExitCode.hostFailed;
  if (statuses.has('unreachable')) return ExitCode.unreachableOnly;
  return ExitCode.ok;
}
