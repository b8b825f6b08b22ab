// The runner: clusters in parallel (bounded by `forks`); within a cluster the plays in order, each
// on batches of `serial` hosts (the whole task list on one batch before the next). A failed or
// unreachable host stops its cluster after its rescue / always steps; other clusters go on.
// Ctrl-C (the signal): tasks in flight finish, nothing new starts, except the recovery (rescue,
// then always) of a host whose in-flight task failed.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Cluster, Host, Inventory } from '../inventory/types.js';
import type { ClusterSummary, HostSummary, RunSummary, TaskRecord } from './results.js';
import type { Transport } from '../transport/types.js';
import type { RunEvent, RunEventListener } from './events.js';
import type { ModuleRegistry } from './registry.js';
import { clusterStatus, countRecords, emptyCounts, firstFailure, hostStatus, runExitCode } from './summary.js';
import { conditionHolds, runTask, type HostState, type TaskEnv } from './task.js';
import type { ClusterFacts, ClusterReport } from './state.js';
import type { HostPattern, Play, Playbook, RunOptions, Task } from './types.js';

export interface RunPlaybookParams {
  /** The inventory after targeting (--cluster / --limit). */
  inventory: Inventory;
  playbook: Playbook;
  /** The modules the playbook was loaded with. */
  modules: ModuleRegistry;
  transport: Transport;
  options: RunOptions;
  /** How many clusters run at once. */
  forks: number;
  logger: Logger;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal?: AbortSignal;
  onEvent?: RunEventListener;
  /** For the summary: the command that ran and the tool's version. */
  command?: string;
  version?: string;
}

/** Why a host ends its cluster's rollout. */
interface Stop {
  host: string;
  task: string;
  /** The module that failed: the step the reports name. */
  module: string;
  message: string;
  /** How the host's rescue went, when one ran. */
  rescue?: string;
  status: 'failed' | 'unreachable';
}

interface ClusterRun {
  cluster: Cluster;
  hosts: Map<string, HostState>;
  data: ClusterReport;
  facts: ClusterFacts;
  progress: 'complete' | 'interrupted' | 'not-started';
  stoppedReason?: string;
}

export async function runPlaybook(params: RunPlaybookParams): Promise<RunSummary> {
  const { inventory, playbook, options, logger } = params;
  const signal = params.signal ?? new AbortController().signal;
  const emit = safeEmitter(params.onEvent, logger);
  const startedAt = new Date();
  emit({
    type: 'runStart',
    playbook: playbook.name,
    dryRun: options.dryRun,
    startedAt: startedAt.toISOString(),
    clusters: inventory.clusters.map((c) => ({ name: c.name, hosts: hostsOf(c, 'all').map((h) => h.name) })),
  });
  logger.info(
    { playbook: playbook.file, clusters: inventory.clusters.length, forks: params.forks, dryRun: options.dryRun },
    'run started',
  );

  const limit = pLimit(Math.max(1, params.forks));
  const clusters = await Promise.all(
    inventory.clusters.map((cluster) => limit(() => runCluster(params, cluster, signal, emit))),
  );

  const finishedAt = new Date();
  const interrupted = signal.aborted;
  const summary: RunSummary = {
    tool: 'kube-cert-renew',
    version: params.version ?? '0.0.0',
    command: params.command ?? 'renew',
    playbook: playbook.file,
    dryRun: options.dryRun,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    interrupted,
    exitCode: runExitCode(clusters, interrupted),
    clusters,
    totals: clusters.reduce(
      (t, c) =>
        countRecords(
          c.hosts.flatMap((h) => h.tasks),
          t,
        ),
      emptyCounts(),
    ),
  };
  logger.info({ exitCode: summary.exitCode, interrupted, durationMs: summary.durationMs }, 'run finished');
  emit({ type: 'runEnd', summary });
  return summary;
}

async function runCluster(
  params: RunPlaybookParams,
  cluster: Cluster,
  signal: AbortSignal,
  emit: RunEventListener,
): Promise<ClusterSummary> {
  const run: ClusterRun = {
    cluster,
    hosts: new Map(
      hostsOf(cluster, 'all').map((h) => [h.name, { host: h, facts: {}, registered: {}, data: {}, records: [] }]),
    ),
    data: {},
    facts: {},
    progress: 'not-started',
  };
  // Every place that declines to start something because of the interrupt asks here, so a cluster
  // that was cut short is told apart from one that had finished.
  const halted = (): boolean => {
    if (signal.aborted) run.progress = 'interrupted';
    return signal.aborted;
  };
  if (!signal.aborted) {
    run.progress = 'complete';
    emit({ type: 'clusterStart', cluster: cluster.name });
    for (const play of params.playbook.plays) {
      if (run.stoppedReason || halted()) break;
      await runPlay(params, run, play, halted, emit);
    }
  }
  if (run.progress === 'interrupted' && !run.stoppedReason)
    run.stoppedReason = 'interrupted (Ctrl-C): no new step started';

  const hosts: HostSummary[] = [...run.hosts.values()].map((s) => ({
    cluster: cluster.name,
    host: s.host.name,
    role: s.host.role,
    status: hostStatus(s.records),
    counts: countRecords(s.records),
    failure: firstFailure(s.records),
    data: s.data,
    tasks: s.records,
  }));
  for (const h of hosts) emit({ type: 'hostEnd', summary: h });
  const summary: ClusterSummary = {
    cluster: cluster.name,
    type: cluster.type,
    status: clusterStatus(hosts, run.progress),
    ...(run.stoppedReason ? { stoppedReason: run.stoppedReason } : {}),
    data: run.data,
    hosts,
  };
  emit({ type: 'clusterEnd', summary });
  return summary;
}

async function runPlay(
  params: RunPlaybookParams,
  run: ClusterRun,
  play: Play,
  halted: () => boolean,
  emit: RunEventListener,
): Promise<void> {
  const env: TaskEnv = {
    inventory: params.inventory,
    cluster: run.cluster,
    clusterFacts: run.facts,
    clusterData: run.data,
    factsOf: (host) => run.hosts.get(host)?.facts ?? {},
    transport: params.transport,
    modules: params.modules,
    options: params.options,
    logger: params.logger,
    emit,
    play: play.name,
  };
  const states = hostsOf(run.cluster, play.hosts).map((h) => run.hosts.get(h.name)!);
  const selected: HostState[] = [];
  for (const s of states) {
    if (!play.when || conditionHolds(play.when, env, s)) selected.push(s);
    else recordSkippedPlay(env, s, play.tasks, play.when);
  }
  if (selected.length === 0) return;

  if (play.once) {
    emit({ type: 'playStart', cluster: run.cluster.name, play: play.name, hosts: selected.map((s) => s.host.name) });
    stopCluster(run, await runOnce(env, play, selected, halted), play);
    return;
  }
  const batchSize = play.serial ?? selected.length;
  for (let i = 0; i < selected.length; i += batchSize) {
    if (halted()) return;
    const batch = selected.slice(i, i + batchSize);
    emit({ type: 'playStart', cluster: run.cluster.name, play: play.name, hosts: batch.map((s) => s.host.name) });
    const stops = await Promise.all(batch.map((s) => runHostPlay(env, play, s, halted)));
    for (const stop of stops) stopCluster(run, stop, play);
    if (run.stoppedReason) return;
  }
}

/** `once`: the first host that can be reached runs the play. Hosts found unreachable on the way are
 *  recorded as such, and still stop the cluster once the play is done. */
async function runOnce(
  env: TaskEnv,
  play: Play,
  candidates: HostState[],
  halted: () => boolean,
): Promise<Stop | undefined> {
  let unreachable: Stop | undefined;
  for (const s of candidates) {
    if (halted()) break;
    const before = s.records.length;
    const stop = await runHostPlay(env, play, s, halted);
    const gotIn = s.records.slice(before).some((r) => r.status !== 'skipped' && r.status !== 'unreachable');
    if (stop?.status === 'unreachable' && !gotIn) {
      unreachable ??= stop;
      continue;
    }
    return stop ?? unreachable;
  }
  return unreachable;
}

function stopCluster(run: ClusterRun, stop: Stop | undefined, play: Play): void {
  if (!stop || run.stoppedReason) return;
  run.stoppedReason = `${stop.host} ${stop.status} at "${stop.task}" (step ${stop.module}, play "${play.name}"): ${stop.message}${stop.rescue ? `; ${stop.rescue}` : ''}`;
}

/** A host's run of one play: main tasks, then rescue (after a failure) and always. */
async function runHostPlay(
  env: TaskEnv,
  play: Play,
  state: HostState,
  halted: () => boolean,
): Promise<Stop | undefined> {
  const stopAt = (record: TaskRecord, rescue?: string): Stop => ({
    host: state.host.name,
    task: record.task,
    module: record.module,
    message: record.message,
    status: record.status === 'unreachable' ? 'unreachable' : 'failed',
    ...(rescue ? { rescue } : {}),
  });
  let failed: TaskRecord | undefined;
  for (const task of play.tasks) {
    if (halted()) return undefined;
    const record = await runTask(env, state, task, 'main');
    // Unreachable: no rescue and no always (Ansible's semantics; the connection is gone).
    if (record.status === 'unreachable') return stopAt(record);
    if (record.status === 'failed' && !task.ignoreErrors) {
      failed = record;
      break;
    }
  }
  if (!failed) {
    // Success path: `always` is a new sequence, so it does not start after an interrupt.
    if (play.always.length === 0 || halted()) return undefined;
    const lost = await runBlock(env, state, play.always, 'always');
    return lost && stopAt(lost);
  }
  // Recovery runs in full even after an interrupt, so a host is not left half-done.
  const rescueFrom = state.records.length;
  const lost =
    (await runBlock(env, state, play.rescue, 'rescue')) ?? (await runBlock(env, state, play.always, 'always'));
  return stopAt(lost ?? failed, play.rescue.length ? rescueOutcome(state.records.slice(rescueFrom)) : undefined);
}

/** One phrase on how the rescue went: what it changed, or where it failed. */
function rescueOutcome(records: TaskRecord[]): string {
  const rescue = records.filter((r) => r.phase === 'rescue');
  const bad = rescue.find((r) => (r.status === 'failed' && !r.ignored) || r.status === 'unreachable');
  if (bad) return `rescue ${bad.status} at "${bad.task}" (step ${bad.module}): ${bad.message}`;
  const changed = rescue.filter((r) => r.status === 'changed').map((r) => r.message);
  return changed.length ? `rescued: ${changed.join('; ')}` : 'rescue ran, changed nothing';
}

/** Runs a rescue / always block up to its first failure; returns the record when the host became unreachable. */
async function runBlock(
  env: TaskEnv,
  state: HostState,
  tasks: Task[],
  phase: 'rescue' | 'always',
): Promise<TaskRecord | undefined> {
  for (const task of tasks) {
    const record = await runTask(env, state, task, phase);
    if (record.status === 'unreachable') return record;
    if (record.status === 'failed' && !task.ignoreErrors) return undefined;
  }
  return undefined;
}

/** A play whose `when` is false for a host: each of its tasks is recorded as skipped. */
function recordSkippedPlay(env: TaskEnv, state: HostState, tasks: Task[], when: string): void {
  for (const task of tasks) {
    const record: TaskRecord = {
      status: 'skipped',
      message: `play condition is false: ${when}`,
      cluster: env.cluster.name,
      host: state.host.name,
      play: env.play,
      task: task.name,
      module: task.module,
      startedAt: new Date().toISOString(),
      durationMs: 0,
      phase: 'main',
    };
    state.records.push(record);
    env.emit({ type: 'taskEnd', record });
  }
}

function hostsOf(cluster: Cluster, pattern: HostPattern): Host[] {
  if (pattern === 'masters') return cluster.masters;
  if (pattern === 'workers') return cluster.workers;
  return [...cluster.masters, ...cluster.workers];
}

/** A reporter that throws must not end the run. */
function safeEmitter(listener: RunEventListener | undefined, logger: Logger): RunEventListener {
  return (event: RunEvent) => {
    if (!listener) return;
    try {
      listener(event);
    } catch (err) {
      logger.warn({ err, event: event.type }, 'a reporter failed on an event');
    }
  };
}
