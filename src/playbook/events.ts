// Progress events of a run, for reporters (terminal, JSON lines...). Emitted in order per host.
import type { ClusterSummary, HostSummary, RunSummary, TaskRecord } from './results.js';

export type RunEvent =
  | {
      type: 'runStart';
      playbook: string;
      dryRun: boolean;
      startedAt: string;
      clusters: { name: string; hosts: string[] }[];
    }
  | { type: 'clusterStart'; cluster: string }
  | { type: 'playStart'; cluster: string; play: string; hosts: string[] }
  | {
      type: 'taskStart';
      cluster: string;
      host: string;
      play: string;
      task: string;
      module: string;
      phase: TaskRecord['phase'];
    }
  | { type: 'taskEnd'; record: TaskRecord }
  | { type: 'hostEnd'; summary: HostSummary }
  | { type: 'clusterEnd'; summary: ClusterSummary }
  | { type: 'runEnd'; summary: RunSummary };

export type RunEventListener = (event: RunEvent) => void;
