// Plays, tasks and the module contract (pyinfra's facts -> decide -> act -> verify, Ansible's
// result statuses). Modules are TypeScript, registered by name, with a zod schema for their args.
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Cluster, Host, Inventory } from '../inventory/types.js';
import type { Connection } from '../transport/types.js';
import type { TaskResult } from './results.js';

/** Options of the run that modules may read (set by the CLI). */
export interface RunOptions {
  dryRun: boolean;
  /** Renew only when a certificate has less than this left. */
  renewWithinSeconds: number;
  force: boolean;
  /** Local folder for reports and backups taken to the operator's machine. */
  outputDir: string;
  /** Bounded waits for health gates. */
  healthTimeoutMs: number;
  /** Largest accepted clock difference between a node and this machine. */
  maxClockSkewMs: number;
  /** Extra values (e.g. from --set) readable by modules. */
  extra: Record<string, unknown>;
}

/** State shared by all hosts of one cluster during a run (e.g. CA fingerprints, path taken). */
export type ClusterState = Map<string, unknown>;

export interface ModuleContext {
  inventory: Inventory;
  cluster: Cluster;
  host: Host;
  conn: Connection;
  /** Facts gathered about this host so far in the run (modules add to it). */
  facts: Record<string, unknown>;
  /** Results registered by earlier tasks of this host (`register: name`). */
  registered: Record<string, TaskResult>;
  clusterState: ClusterState;
  options: RunOptions;
  log: Logger;
  /** Aborted on Ctrl-C / SIGTERM: long waits should end early; a step in flight may finish. */
  signal: AbortSignal;
  /** Adds data to this host's summary (e.g. backupDir, certificates). */
  publish(key: string, value: unknown): void;
  /** Adds data to the cluster's summary. */
  publishCluster(key: string, value: unknown): void;
  /** Connects to another host of the inventory (e.g. health of the other etcd members). */
  connectTo(host: Host): Promise<Connection>;
}

export interface ModuleDefinition<A = unknown> {
  name: string;
  /** One sentence, for `--help` and docs. */
  description: string;
  args: z.ZodType<A>;
  /** True when `run` may change anything on a host. */
  mutates: boolean;
  run(ctx: ModuleContext, args: A): Promise<TaskResult>;
  /** For mutating modules in --dry-run: read facts and say what `run` would do, change nothing. */
  plan?(ctx: ModuleContext, args: A): Promise<TaskResult>;
}

export type HostPattern = 'masters' | 'workers' | 'all';

export interface Task {
  name: string;
  module: string;
  args: unknown;
  when?: string;
  register?: string;
  retries: number;
  delayMs: number;
  until?: string;
  timeoutMs?: number;
  /** Do not fail the host when this task fails. */
  ignoreErrors: boolean;
  /** Where it was declared, for errors. */
  source: { file: string; line: number; col: number };
}

export interface Play {
  name: string;
  hosts: HostPattern;
  /** How many hosts of a cluster run the play at once; undefined = all at once. */
  serial?: number;
  /** Run for one host of each cluster (the first reachable one). */
  once: boolean;
  when?: string;
  tasks: Task[];
  rescue: Task[];
  always: Task[];
}

export interface Playbook {
  file: string;
  name: string;
  plays: Play[];
}
