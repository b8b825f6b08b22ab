// Plays, tasks and the module contract (pyinfra's facts -> decide -> act -> verify, Ansible's
// result statuses). Modules are TypeScript, listed in a registry by name, with a zod schema for their args.
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Cluster, Host, Inventory } from '../inventory/types.js';
import type { StepError } from '../errors.js';
import type { Remote } from './remote.js';
import type { TaskResult } from './results.js';
import type { ClusterFacts, ClusterReport, HostFacts, HostReport } from './state.js';

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
  /** Longest a `kubeadm certs renew all` may run (--kubeadm-timeout). */
  kubeadmTimeoutMs: number;
  /** Longest a removed control-plane container may take to come back (--restart-timeout). */
  restartTimeoutMs: number;
  /** Longest a restarted local etcd may take to serve again (--etcd-start-timeout): a large database replays for minutes. */
  etcdStartTimeoutMs: number;
  /** Largest accepted clock difference between a node and this machine. */
  maxClockSkewMs: number;
  /**
   * Set by `check` only: `quick` (the default) reads the files without the private keys and skips
   * what the masters serve; `deep` (--deep) matches every key and reads what is served. Unset
   * (renew): everything is read.
   */
  checkMode?: 'quick' | 'deep';
  /** This tool's backups kept per master (--keep-backups); older ones are removed after a renewal. */
  keepBackups?: number;
}

export interface ModuleContext {
  inventory: Inventory;
  cluster: Cluster;
  host: Host;
  /** This host, bound to the module's step and to become (root). */
  remote: Remote;
  /** Another host of the inventory, bound the same way (e.g. health of the other etcd members). */
  remoteTo(host: Host): Promise<Remote>;
  /** This host's facts so far in the run (modules add to them; playbooks read them as `facts.*`). */
  facts: HostFacts;
  /** The facts of another host of this cluster (cluster_preflight compares the masters). */
  factsOf(host: string): HostFacts;
  /** The cluster's facts in this run (playbooks read their plain values as `cluster.state.*`). */
  clusterFacts: ClusterFacts;
  /** Results registered by earlier tasks of this host (`register: name`). */
  registered: Record<string, TaskResult>;
  options: RunOptions;
  log: Logger;
  /** Aborted on Ctrl-C / SIGTERM: long waits should end early; a step in flight may finish. */
  signal: AbortSignal;
  /** Adds data to this host's summary (e.g. backupDir, certificates). */
  publish<K extends keyof HostReport>(key: K, value: HostReport[K]): void;
  /** Adds data to the cluster's summary. */
  publishCluster<K extends keyof ClusterReport>(key: K, value: ClusterReport[K]): void;
  /** A StepError naming this cluster, host and the module's step. */
  fail(message: string, hint?: string): StepError;
}

/** What a mutating module found: nothing to do here, already right, or a change and its plan. */
export type Decision<P> =
  | { kind: 'skip'; message: string }
  | { kind: 'ok'; message: string; data?: Record<string, unknown> }
  /** `message` says what would change (the dry run's result); `plan` is what `apply` gets. */
  | { kind: 'change'; message: string; plan: P; data?: Record<string, unknown> };

interface ModuleBase<A> {
  name: string;
  /** One sentence, for `--help` and docs. */
  description: string;
  args: z.ZodType<A>;
  /** The due gate: true when, with these args, a host that preflight found not due skips the task ("not due for renewal"). */
  onlyWhenDue?(args: A): boolean;
}

/** Reads and reports; runs the same in a dry run. */
export interface ReadOnlyModule<A = unknown> extends ModuleBase<A> {
  mutates: false;
  run(ctx: ModuleContext, args: A): Promise<TaskResult>;
}

/** May change a host. `decide` runs in both modes and changes nothing; `apply` runs only outside a dry run, with the plan. */
export interface MutatingModule<A = unknown, P = unknown> extends ModuleBase<A> {
  mutates: true;
  decide(ctx: ModuleContext, args: A): Promise<Decision<P>>;
  apply(ctx: ModuleContext, args: A, plan: P): Promise<TaskResult>;
}

export type ModuleDefinition<A = unknown, P = unknown> = ReadOnlyModule<A> | MutatingModule<A, P>;

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
