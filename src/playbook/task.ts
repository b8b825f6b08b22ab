// One task on one host: its `when`, dry-run, attempts with `retries` / `delay` / `until`, the task
// `timeout`, `register`, and the mapping of thrown errors to Ansible's outcomes.
import type { Logger } from 'pino';
import { KcrError, UnreachableError } from '../errors.js';
import type { Cluster, Host, Inventory } from '../inventory/types.js';
import type { TaskRecord, TaskResult, TaskStatus } from './results.js';
import type { Transport } from '../transport/types.js';
import { evaluateCondition, parseCondition, type Condition } from './condition.js';
import { buildConditionContext } from './context.js';
import type { RunEventListener } from './events.js';
import type { ModuleRegistry } from './registry.js';
import { createRemote } from './remote.js';
import { sleep } from './sleep.js';
import type { ClusterFacts, ClusterReport, HostFacts, HostReport } from './state.js';
import type { ModuleContext, ModuleDefinition, RunOptions, Task } from './types.js';

/** What the runner keeps per host across the plays of a run. */
export interface HostState {
  host: Host;
  facts: HostFacts;
  registered: Record<string, TaskResult>;
  data: HostReport;
  records: TaskRecord[];
}

/** Everything a task needs from its surroundings. */
export interface TaskEnv {
  inventory: Inventory;
  cluster: Cluster;
  clusterFacts: ClusterFacts;
  clusterData: ClusterReport;
  /** The facts of a host of this cluster. */
  factsOf(host: string): HostFacts;
  transport: Transport;
  modules: ModuleRegistry;
  options: RunOptions;
  logger: Logger;
  emit: RunEventListener;
  play: string;
}

/** What a module may return: `would-change` is the runner's, from a decision in a dry run. */
const STATUSES = new Set<TaskStatus>(['ok', 'changed', 'skipped', 'failed', 'unreachable']);
const parsedConditions = new Map<string, Condition>();

/** Conditions were checked when the playbook loaded; parse each text once per process. */
export function condition(text: string): Condition {
  let c = parsedConditions.get(text);
  if (!c) {
    c = parseCondition(text);
    parsedConditions.set(text, c);
  }
  return c;
}

export function conditionHolds(text: string, env: TaskEnv, state: HostState, result?: TaskResult): boolean {
  const ctx = buildConditionContext({
    cluster: env.cluster,
    host: state.host,
    facts: state.facts,
    registered: state.registered,
    options: env.options,
    result,
    clusterFacts: env.clusterFacts,
  });
  return evaluateCondition(condition(text), ctx);
}

/** Runs a task on a host and records it (also in `state.records`). Never throws. */
export async function runTask(
  env: TaskEnv,
  state: HostState,
  task: Task,
  phase: TaskRecord['phase'],
): Promise<TaskRecord> {
  const host = state.host;
  env.emit({
    type: 'taskStart',
    cluster: env.cluster.name,
    host: host.name,
    play: env.play,
    task: task.name,
    module: task.module,
    phase,
  });
  const startedAt = new Date();
  const log = env.logger.child({ cluster: env.cluster.name, host: host.name, task: task.name, module: task.module });
  let result: TaskResult;
  try {
    result = await decideAndRun(env, state, task, log);
  } catch (err) {
    // Only a bug in the runner itself gets here; the host fails, the run goes on.
    log.error({ err }, 'internal error while running a task');
    result = { status: 'failed', message: `internal error: ${errorText(err)}` };
  }
  if (task.register) state.registered[task.register] = result;
  const record: TaskRecord = {
    ...result,
    cluster: env.cluster.name,
    host: host.name,
    play: env.play,
    task: task.name,
    module: task.module,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    phase,
    ...(result.status === 'failed' && task.ignoreErrors ? { ignored: true } : {}),
  };
  state.records.push(record);
  log.info({ status: record.status, durationMs: record.durationMs, phase }, 'task finished');
  env.emit({ type: 'taskEnd', record });
  return record;
}

async function decideAndRun(env: TaskEnv, state: HostState, task: Task, log: Logger): Promise<TaskResult> {
  if (task.when && !conditionHolds(task.when, env, state))
    return { status: 'skipped', message: `condition is false: ${task.when}` };
  const module = env.modules.get(task.module);
  if (!module) return { status: 'failed', message: `unknown module "${task.module}"` };
  // The due gate, declared by the module; a host preflight never judged (undefined) is not gated.
  if (gatedByDue(module, task.args) && state.facts.due === false)
    return { status: 'skipped', message: 'not due for renewal' };

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<TaskResult>((resolve) => {
    if (task.timeoutMs === undefined) return;
    timer = setTimeout(() => {
      controller.abort();
      resolve({ status: 'failed', message: `timed out after ${formatSeconds(task.timeoutMs!)}` });
    }, task.timeoutMs);
  });
  const attempt = (): Promise<TaskResult> => runModule(env, state, module, task, controller.signal, log);
  try {
    const work =
      env.options.dryRun && module.mutates ? attempt() : withRetries(env, state, task, attempt, controller.signal);
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
    // Ends the module's own waits when the race was lost; harmless when it already finished.
    controller.abort();
  }
}

function gatedByDue(module: ModuleDefinition, args: unknown): boolean {
  return module.onlyWhenDue?.(args) === true;
}

async function withRetries(
  env: TaskEnv,
  state: HostState,
  task: Task,
  attempt: () => Promise<TaskResult>,
  signal: AbortSignal,
): Promise<TaskResult> {
  const attempts = task.retries + 1;
  let result: TaskResult = { status: 'failed', message: 'not run' };
  for (let n = 1; n <= attempts; n++) {
    result = await attempt();
    if (result.status === 'unreachable' || signal.aborted) return result;
    let done: boolean;
    if (task.until) {
      if (task.register) state.registered[task.register] = result;
      done = conditionHolds(task.until, env, state, result);
      if (!done && n === attempts) {
        return {
          ...result,
          status: 'failed',
          message: `until "${task.until}" still false after ${attempts} attempt(s); last: ${result.message}`,
        };
      }
    } else {
      done = result.status !== 'failed';
    }
    if (done) return result;
    if (n < attempts) {
      env.logger.debug(
        { cluster: env.cluster.name, host: state.host.name, task: task.name, attempt: n },
        'retrying task',
      );
      await sleep(task.delayMs, signal);
    }
  }
  if (attempts > 1) return { ...result, message: `${result.message} (after ${attempts} attempts)` };
  return result;
}

/** One attempt: a read-only module runs; a mutating one decides, then applies its plan unless this is a dry run. */
async function runModule(
  env: TaskEnv,
  state: HostState,
  module: ModuleDefinition,
  task: Task,
  signal: AbortSignal,
  log: Logger,
): Promise<TaskResult> {
  try {
    const ctx = await moduleContext(env, state, module.name, signal, log);
    if (!module.mutates) return checkResult(await module.run(ctx, task.args), module.name);
    const decision = await module.decide(ctx, task.args);
    if (decision.kind === 'skip') return { status: 'skipped', message: oneLine(decision.message) };
    if (decision.kind === 'ok')
      return { status: 'ok', message: oneLine(decision.message), ...(decision.data ? { data: decision.data } : {}) };
    if (env.options.dryRun)
      return {
        status: 'would-change',
        message: oneLine(decision.message),
        ...(decision.data ? { data: decision.data } : {}),
      };
    return checkResult(await module.apply(ctx, task.args, decision.plan), module.name);
  } catch (err) {
    return resultOfError(err, log);
  }
}

async function moduleContext(
  env: TaskEnv,
  state: HostState,
  step: string,
  signal: AbortSignal,
  log: Logger,
): Promise<ModuleContext> {
  const remote = createRemote(await env.transport.connect(state.host), step);
  return {
    inventory: env.inventory,
    cluster: env.cluster,
    host: state.host,
    remote,
    remoteTo: async (other) => createRemote(await env.transport.connect(other), step),
    facts: state.facts,
    factsOf: env.factsOf,
    clusterFacts: env.clusterFacts,
    registered: state.registered,
    options: env.options,
    log,
    signal,
    publish: (key, value) => {
      state.data[key] = value;
    },
    publishCluster: (key, value) => {
      env.clusterData[key] = value;
    },
    fail: (message, hint) => remote.fail(message, hint),
  };
}

function checkResult(result: TaskResult, moduleName: string): TaskResult {
  if (!result || !STATUSES.has(result.status))
    return { status: 'failed', message: `module ${moduleName} returned no valid status` };
  return { ...result, message: oneLine(result.message ?? '') };
}

/** UnreachableError -> unreachable; any other error -> failed, with one line of text. */
export function resultOfError(err: unknown, log: Logger): TaskResult {
  if (err instanceof UnreachableError) return { status: 'unreachable', message: errorText(err) };
  if (!(err instanceof KcrError)) log.error({ err }, 'module threw an unexpected error');
  return { status: 'failed', message: errorText(err) };
}

function errorText(err: unknown): string {
  if (err instanceof KcrError) return oneLine(`${err.message}${err.hint ? ` (${err.hint})` : ''}`);
  return oneLine(err instanceof Error ? err.message : String(err));
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
