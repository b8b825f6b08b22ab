// The results model of a run: per host and task, Ansible's five outcomes plus a dry run's
// `would-change`, with duration, message and data.
import type { ClusterReport, HostReport } from './state.js';

/** `would-change`: a dry run found a change to make (a mutating module's decision), and made none. */
export type TaskStatus = 'ok' | 'changed' | 'would-change' | 'skipped' | 'failed' | 'unreachable';

export interface TaskResult {
  status: TaskStatus;
  /** One line, human readable; never contains a secret. */
  message: string;
  /** Structured data for reports and `register`; never contains a secret. */
  data?: Record<string, unknown>;
}

export interface TaskRecord extends TaskResult {
  cluster: string;
  host: string;
  play: string;
  task: string;
  module: string;
  startedAt: string;
  durationMs: number;
  /** True when this task ran as part of a rescue or always block. */
  phase: 'main' | 'rescue' | 'always';
  /** A failure the playbook tolerates (`ignoreErrors: true`): it does not fail the host. */
  ignored?: boolean;
}

export type HostStatus = TaskStatus | 'not-run';

export interface HostSummary {
  cluster: string;
  host: string;
  role: 'master' | 'worker';
  status: HostStatus;
  counts: Record<TaskStatus, number>;
  /** The first failing task's message, with its step (the module that failed). */
  failure?: { task: string; step?: string; message: string };
  /** Data modules publish for the report (backupDir, certificates...). */
  data: HostReport;
  tasks: TaskRecord[];
}

export interface ClusterSummary {
  cluster: string;
  type: 'global' | 'standalone';
  status: 'ok' | 'changed' | 'would-change' | 'failed' | 'unreachable' | 'stopped' | 'not-run';
  /** Why the rollout of this cluster stopped, when it did. */
  stoppedReason?: string;
  data: ClusterReport;
  hosts: HostSummary[];
}

export interface RunSummary {
  tool: 'kube-cert-renew';
  version: string;
  command: string;
  playbook: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  interrupted: boolean;
  exitCode: number;
  clusters: ClusterSummary[];
  totals: Record<TaskStatus, number>;
}
