// Renewal of many clusters at once: `renew` over a lab of small clusters (3 masters each) with
// --forks as large as the fleet, so every cluster rolls at the same time. Reported: the whole
// fleet's wall time against the slowest cluster's own span (first task start to last task end):
// how much running them together costs beyond the longest of them.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toolCli, type BenchLab } from './support/lab.js';
import { measure } from './support/measure.js';

interface SummaryJson {
  clusters: {
    cluster: string;
    hosts: { host: string; role: string; status: string; tasks: { startedAt: string; durationMs: number }[] }[];
  }[];
}

export interface FleetRenewalResult {
  clusters: number;
  masters: number;
  error?: string;
  wallMs?: number;
  /** Each cluster's span, first task start to last task end. */
  spans: { cluster: string; ms: number }[];
  cpuSeconds?: number;
  maxRssKb?: number;
}

/** A cluster's span from its tasks (ms); 0 when it ran none. */
export function clusterSpanMs(hosts: SummaryJson['clusters'][number]['hosts']): number {
  const tasks = hosts.flatMap((h) => h.tasks);
  if (tasks.length === 0) return 0;
  const start = Math.min(...tasks.map((t) => Date.parse(t.startedAt)));
  const end = Math.max(...tasks.map((t) => Date.parse(t.startedAt) + t.durationMs));
  return end - start;
}

export async function measureFleetRenewal(
  lab: BenchLab,
  workDir: string,
  clusters: number,
): Promise<FleetRenewalResult> {
  await mkdir(workDir, { recursive: true });
  const m = await measure(
    process.execPath,
    [toolCli, '--inventory', lab.inventory, '--yes', '--json', '--renew-within', '400d', '--forks', String(clusters)],
    { timeoutMs: 900_000, workDir, cwd: workDir },
  );
  const base = { clusters, masters: clusters * 3, spans: [] as FleetRenewalResult['spans'] };
  if (m.code !== 0 || !m.stdout.trim().startsWith('{'))
    return {
      ...base,
      error: `renew exited ${m.code}: ${m.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`,
    };
  await writeFile(path.join(workDir, 'fleet-renew-summary.json'), m.stdout);
  const summary = JSON.parse(m.stdout) as SummaryJson;
  const notRenewed = summary.clusters.flatMap((c) =>
    c.hosts.filter((h) => h.role === 'master' && h.status !== 'changed').map((h) => `${h.host} ${h.status}`),
  );
  return {
    ...base,
    ...(notRenewed.length ? { error: `masters not renewed: ${notRenewed.join(', ')}` } : {}),
    wallMs: m.wallMs,
    spans: summary.clusters.map((c) => ({ cluster: c.cluster, ms: clusterSpanMs(c.hosts) })),
    ...(m.cpuSeconds !== undefined ? { cpuSeconds: m.cpuSeconds } : {}),
    ...(m.maxRssKb !== undefined ? { maxRssKb: m.maxRssKb } : {}),
  };
}
