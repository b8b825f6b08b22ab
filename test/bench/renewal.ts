// Renewal: `renew` on a 3-master cluster, each master's time split into waiting for the cluster
// (containers coming back and local etcd serving again, inside restart_control_plane: its
// `waitedMs`; the health gate, wait_healthy, whole) and the tool's own overhead (everything else:
// connecting, facts, preflight, backup, kubeadm, kubeconfigs, the restart commands themselves).
// The debug log's `command finished` lines say how much of the overhead was spent in remote
// commands (kubeadm, etcdctl snapshot, tar, the runtime CLI) and how much in the tool.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toolCli, type BenchLab } from './support/lab.js';
import { measure } from './support/measure.js';

interface TaskJson {
  module: string;
  startedAt: string;
  durationMs: number;
  status: string;
  data?: { waitedMs?: number };
}
interface SummaryJson {
  exitCode: number;
  durationMs: number;
  clusters: { cluster: string; hosts: { host: string; role: string; status: string; tasks: TaskJson[] }[] }[];
}

/** Steps run once per cluster (on one master): reported apart, not charged to a master. */
const CLUSTER_STEPS = new Set(['cluster_preflight', 'tke_certs_configmap', 'restart_tke_apis']);
/** Steps whose whole duration is waiting for the cluster. */
const WAIT_STEPS = new Set(['wait_healthy']);

export interface MasterSplit {
  host: string;
  totalMs: number;
  waitMs: number;
  overheadMs: number;
  /** Of the overhead: remote commands that ended outside the waits and restart_control_plane. */
  remoteMs: number;
  /** Of those: `kubeadm certs renew` itself (it makes a new key per certificate: work any way of
   *  renewing pays, real kubeadm included). Shown apart; the target still counts it. */
  kubeadmMs: number;
  /** The overhead by step, largest first. */
  steps: { module: string; ms: number }[];
}

export interface RenewalResult {
  /** Which cluster was renewed, for the report ("3 masters, real 1.20.2 components"). */
  topology: string;
  error?: string;
  wallMs?: number;
  cpuSeconds?: number;
  maxRssKb?: number;
  masters: MasterSplit[];
  clusterStepsMs: number;
}

interface CommandLog {
  /** When the line was logged: the command's end (ms since the epoch). */
  time?: number;
  host?: string;
  step?: string;
  durationMs?: number;
  program?: string;
  msg?: string;
}

interface Interval {
  from: number;
  to: number;
}

/** Per host, the time spent in remote commands that did not end inside a wait (the health gate or
 *  restart_control_plane, whose commands are its polling) nor in a cluster-wide step. */
async function remoteByHost(
  logFile: string,
  waits: Map<string, Interval[]>,
): Promise<Map<string, { remoteMs: number; kubeadmMs: number }>> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const byHost = new Map<string, { remoteMs: number; kubeadmMs: number }>();
  for (const line of text.split('\n')) {
    if (!line.includes('command finished')) continue;
    const entry = JSON.parse(line) as CommandLog;
    if (!entry.host || entry.durationMs === undefined || !entry.step || entry.time === undefined) continue;
    if (CLUSTER_STEPS.has(entry.step)) continue;
    const end = entry.time;
    if ((waits.get(entry.host) ?? []).some((w) => end >= w.from && end <= w.to)) continue;
    const sums = byHost.get(entry.host) ?? { remoteMs: 0, kubeadmMs: 0 };
    sums.remoteMs += entry.durationMs;
    // kubeadm_renew's one command under its own step name is kubeadm (run through
    // KUBEADM_WITH_CONFIG_SCRIPT, so the program is `sh`); its verification is `kubeadm_renew verify`.
    if (entry.step === 'kubeadm_renew') sums.kubeadmMs += entry.durationMs;
    byHost.set(entry.host, sums);
  }
  return byHost;
}

function waitIntervals(tasks: TaskJson[]): Interval[] {
  return tasks
    .filter((t) => WAIT_STEPS.has(t.module) || t.module === 'restart_control_plane' || CLUSTER_STEPS.has(t.module))
    .map((t) => ({ from: Date.parse(t.startedAt), to: Date.parse(t.startedAt) + t.durationMs }));
}

export function splitMaster(
  host: string,
  tasks: TaskJson[],
  remote: { remoteMs: number; kubeadmMs: number },
): MasterSplit {
  const own = tasks.filter((t) => !CLUSTER_STEPS.has(t.module));
  const byStep = new Map<string, number>();
  let totalMs = 0;
  let waitMs = 0;
  for (const t of own) {
    totalMs += t.durationMs;
    const waited = WAIT_STEPS.has(t.module) ? t.durationMs : Math.min(t.durationMs, t.data?.waitedMs ?? 0);
    waitMs += waited;
    byStep.set(t.module, (byStep.get(t.module) ?? 0) + t.durationMs - waited);
  }
  const steps = [...byStep.entries()].map(([module, ms]) => ({ module, ms })).sort((a, b) => b.ms - a.ms);
  return { host, totalMs, waitMs, overheadMs: totalMs - waitMs, ...remote, steps };
}

export async function measureRenewal(lab: BenchLab, workDir: string, topology: string): Promise<RenewalResult> {
  const logFile = path.join(workDir, 'renew.log.jsonl');
  const m = await measure(
    process.execPath,
    [
      toolCli,
      '--inventory',
      lab.inventory,
      '--yes',
      '--json',
      '--renew-within',
      '400d',
      '--log-file',
      logFile,
      '--log-level',
      'debug',
    ],
    { timeoutMs: 600_000, workDir, cwd: workDir },
  );
  if (m.code !== 0)
    return {
      topology,
      error: `renew exited ${m.code}: ${m.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`,
      masters: [],
      clusterStepsMs: 0,
    };
  await writeFile(path.join(workDir, 'renew-summary.json'), m.stdout);
  const summary = JSON.parse(m.stdout) as SummaryJson;
  const masters = summary.clusters.flatMap((c) => c.hosts.filter((h) => h.role === 'master'));
  const remote = await remoteByHost(logFile, new Map(masters.map((h) => [h.host, waitIntervals(h.tasks)])));
  const notChanged = masters.filter((h) => h.status !== 'changed').map((h) => `${h.host} ${h.status}`);
  // The lab, not the tool's report, says whether the cluster came back whole.
  const status = await lab.status();
  const unhealthy = status.clusters.filter((c) => !c.etcd.quorum || c.etcd.healthy !== c.etcd.total).map((c) => c.name);
  const error = notChanged.length
    ? `masters not renewed: ${notChanged.join(', ')}`
    : unhealthy.length
      ? `cluster not healthy after renew: ${unhealthy.join(', ')}`
      : undefined;
  return {
    topology,
    ...(error ? { error } : {}),
    wallMs: m.wallMs,
    ...(m.cpuSeconds !== undefined ? { cpuSeconds: m.cpuSeconds } : {}),
    ...(m.maxRssKb !== undefined ? { maxRssKb: m.maxRssKb } : {}),
    masters: masters.map((h) => splitMaster(h.host, h.tasks, remote.get(h.host) ?? { remoteMs: 0, kubeadmMs: 0 })),
    clusterStepsMs: masters
      .flatMap((h) => h.tasks)
      .filter((t) => CLUSTER_STEPS.has(t.module))
      .reduce((a, t) => a + t.durationMs, 0),
  };
}
