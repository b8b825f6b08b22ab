// The results as summary lines (one per measure) and as the Markdown section of docs/benchmarks.md.
import type { ContestantResult, FleetResult } from './fleet.js';
import type { FleetRenewalResult } from './fleet-renewal.js';
import type { RenewalResult } from './renewal.js';
import { fitLine, mbText, secondsText } from './support/stats.js';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  loadBefore: number[];
  loadAfter: number[];
  node: string;
  ansible: string;
  openssh: string;
  kernel: string;
  date: string;
}

export interface BenchResults {
  machine: MachineInfo;
  command: string;
  rounds: number;
  fleet: FleetResult[];
  renewal?: RenewalResult;
  fleetRenewal?: FleetRenewalResult;
  durationMs: number;
}

const CONTESTANTS = ['floor', 'tool', 'tool-deep', 'ansible'] as const;

const s1 = (ms: number): string => (ms / 1000).toFixed(1);
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;

function byName(r: FleetResult, c: string): ContestantResult | undefined {
  return r.results.find((x) => x.contestant === c);
}

export function fleetLines(r: FleetResult): string[] {
  const floor = byName(r, 'floor')?.wall?.median;
  const ansible = byName(r, 'ansible')?.wall?.median;
  return r.results.map((c) => {
    const head = `fleet-check N=${r.size.n} concurrency=${r.size.concurrency} ${c.contestant}:`;
    if (!c.wall) return `${head} not measured (${c.error ?? 'no run'})`;
    const parts = [`median ${secondsText(c.wall)} over ${c.wall.runs} runs`];
    if (floor && c.contestant !== 'floor') parts.push(`${ratio(c.wall.median, floor)} the floor`);
    if (ansible && c.contestant !== 'ansible') parts.push(`${ratio(ansible, c.wall.median)} faster than ansible`);
    if (c.maxRssKb !== undefined) parts.push(`peak RSS ${mbText(c.maxRssKb)} (largest process)`);
    if (c.peakTreePssKb) parts.push(`peak PSS ${mbText(c.peakTreePssKb)} (all its processes)`);
    if (c.cpuSeconds !== undefined) parts.push(`CPU ${c.cpuSeconds.toFixed(1)} s`);
    if (c.error) parts.push(`a later run failed: ${c.error}`);
    return `${head} ${parts.join(', ')}`;
  });
}

export function renewalLines(r: RenewalResult): string[] {
  if (r.error && r.masters.length === 0) return [`renewal: not measured (${r.error})`];
  const lines = r.masters.map(
    (m) =>
      `renewal ${m.host}: ${s1(m.totalMs)} s = waiting for the cluster ${s1(m.waitMs)} s + tool overhead ${s1(m.overheadMs)} s ` +
      `(remote commands ${s1(m.remoteMs)} s, of which kubeadm ${s1(m.kubeadmMs)} s; largest: ${m.steps
        .slice(0, 3)
        .map((s) => `${s.module} ${s1(s.ms)} s`)
        .join(', ')})`,
  );
  lines.push(
    `renewal run: wall ${s1(r.wallMs ?? 0)} s, cluster-wide steps ${s1(r.clusterStepsMs)} s, tool CPU ${r.cpuSeconds?.toFixed(1) ?? '?'} s, peak RSS ${r.maxRssKb ? mbText(r.maxRssKb) : '?'}${r.error ? `, PROBLEM: ${r.error}` : ''}`,
  );
  return lines;
}

export function fleetRenewalLines(r: FleetRenewalResult): string[] {
  if (r.wallMs === undefined) return [`fleet renewal: not measured (${r.error ?? 'no run'})`];
  const slowest = Math.max(...r.spans.map((x) => x.ms));
  return [
    `fleet renewal ${r.clusters} clusters x 3 masters at once: wall ${s1(r.wallMs)} s, slowest cluster ${s1(slowest)} s (${ratio(r.wallMs, slowest)}), ` +
      `tool CPU ${r.cpuSeconds?.toFixed(1) ?? '?'} s, peak RSS ${r.maxRssKb ? mbText(r.maxRssKb) : '?'}${r.error ? `, PROBLEM: ${r.error}` : ''}`,
  ];
}

/** The targets of issue 7, each with its measured value: met, missed or not measured. */
export function targetLines(res: BenchResults): string[] {
  const at100 = res.fleet.find((f) => f.size.n === 100);
  const tool = at100 && byName(at100, 'tool');
  const floor = at100 && byName(at100, 'floor');
  const ansible = at100 && byName(at100, 'ansible');
  const largest = res.fleet.length ? res.fleet[res.fleet.length - 1] : undefined;
  const toolAtLargest = largest && byName(largest, 'tool');
  const verdict = (ok: boolean | undefined, what: string): string =>
    `target ${what}: ${ok === undefined ? 'NOT MEASURED' : ok ? 'met' : 'MISSED'}`;
  const lines: string[] = [];
  const tf = tool?.wall && floor?.wall ? tool.wall.median / floor.wall.median : undefined;
  lines.push(
    `${verdict(tf === undefined ? undefined : tf <= 1.3, 'fleet check N=100 <= 1.3x the ssh2 floor')}${tf ? ` (${tf.toFixed(2)}x)` : ''}`,
  );
  const at = tool?.wall && ansible?.wall ? ansible.wall.median / tool.wall.median : undefined;
  lines.push(
    `${verdict(at === undefined ? undefined : at >= 5, 'fleet check N=100 >= 5x faster than Ansible')}${at ? ` (${at.toFixed(2)}x)` : ''}`,
  );
  const worst = res.renewal?.masters.length ? Math.max(...res.renewal.masters.map((m) => m.overheadMs)) : undefined;
  const worstBesideKubeadm = res.renewal?.masters.length
    ? Math.max(...res.renewal.masters.map((m) => m.overheadMs - m.kubeadmMs))
    : undefined;
  const besides =
    worstBesideKubeadm !== undefined ? `; without kubeadm's own run, worst ${s1(worstBesideKubeadm)} s` : '';
  lines.push(
    `${verdict(worst === undefined ? undefined : worst < 2000, 'renewal tool overhead < 2 s per master')}${worst !== undefined ? ` (worst ${s1(worst)} s${besides})` : ''}`,
  );
  const mem = toolAtLargest?.maxRssKb ?? toolAtLargest?.peakTreePssKb;
  lines.push(
    `${verdict(mem === undefined ? undefined : mem < 150 * 1024, `tool peak memory at the largest N (${largest?.size.n ?? '?'}) < 150 MB`)}${mem ? ` (${mbText(mem)})` : ''}`,
  );
  return lines;
}

function growth(res: BenchResults, contestant: string): string {
  const pts = res.fleet
    .map((f) => ({ n: f.size.n, ms: byName(f, contestant)?.wall?.median, kb: byName(f, contestant)?.maxRssKb }))
    .filter((p): p is { n: number; ms: number; kb: number | undefined } => p.ms !== undefined);
  const fit = fitLine(pts);
  if (!fit) return 'n/a';
  const mem = pts.every((p) => p.kb !== undefined)
    ? `; peak RSS ${pts.map((p) => `${mbText(p.kb!)} at N=${p.n}`).join(', ')}`
    : '';
  return (
    `${fit.perNodeMs.toFixed(0)} ms per node (least-squares fit over N=${pts.map((p) => p.n).join(', ')}; fixed cost ${s1(fit.fixedMs)} s; ` +
    `${pts.map((p) => `${s1(p.ms)} s at N=${p.n}`).join(', ')})${mem}`
  );
}

function machineLine(res: BenchResults): string {
  const m = res.machine;
  return (
    `Measured ${m.date} by \`${res.command}\` (${(res.durationMs / 60000).toFixed(1)} min in all). ` +
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, Linux ${m.kernel}. **Shared**: other engineers' labs and tests ran at the same time; ` +
    `load average (1 min) ${m.loadBefore[0]?.toFixed(1)} before, ${m.loadAfter[0]?.toFixed(1)} after. Node ${m.node}, ansible-core ${m.ansible}, ${m.openssh}.`
  );
}

/** The fleet check's section of the doc: table, growth, its targets. */
export function fleetMarkdown(res: BenchResults): string {
  const out: string[] = [machineLine(res), ''];
  out.push(`### Fleet check (median of up to ${res.rounds} runs, min-max in brackets)`, '');
  out.push(
    '| N | concurrency | contestant | runs | wall time | vs floor | Ansible / it | peak RSS (largest process) | peak PSS (all processes) | CPU (its own processes) |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const f of res.fleet) {
    const floor = byName(f, 'floor')?.wall?.median;
    const ansible = byName(f, 'ansible')?.wall?.median;
    for (const c of f.results) {
      if (!c.wall) {
        out.push(
          `| ${f.size.n} | ${f.size.concurrency} | ${c.contestant} | 0 | not measured: ${c.error ?? ''} | | | | | |`,
        );
        continue;
      }
      out.push(
        `| ${f.size.n} | ${f.size.concurrency} | ${c.contestant} | ${c.wall.runs} | ${secondsText(c.wall)} | ${floor ? ratio(c.wall.median, floor) : ''} | ${ansible ? ratio(ansible, c.wall.median) : ''} | ` +
          `${c.maxRssKb !== undefined ? mbText(c.maxRssKb) : ''} | ${c.peakTreePssKb ? mbText(c.peakTreePssKb) : ''} | ${c.cpuSeconds !== undefined ? `${c.cpuSeconds.toFixed(1)} s` : ''} |`,
      );
    }
  }
  out.push('', 'Growth with N (median wall time, peak RSS of the largest process):', '');
  for (const c of CONTESTANTS) out.push(`- ${c}: ${growth(res, c)}`);
  out.push('', 'Targets:', '');
  for (const l of targetLines(res).filter((t) => t.includes('fleet') || t.includes('memory'))) out.push(`- ${l}`);
  return out.join('\n');
}

/** The renewal's section of the doc: per master, waiting and overhead; its target. */
export function renewalMarkdown(res: BenchResults): string {
  const r = res.renewal;
  const out: string[] = [machineLine(res), '', `### Renewal (one run, ${r?.topology ?? 'a 3-master cluster'})`, ''];
  if (!r || r.masters.length === 0) {
    out.push(`Not measured: ${r?.error ?? ''}`);
    return [...out, ...fleetRenewalMarkdown(res.fleetRenewal)].join('\n');
  }
  out.push(
    '| master | its steps | waiting for the cluster | tool overhead | of which remote commands | of which kubeadm itself | overhead without kubeadm | largest overhead steps |',
  );
  out.push('|---|---|---|---|---|---|---|---|');
  for (const x of r.masters) {
    out.push(
      `| ${x.host} | ${s1(x.totalMs)} s | ${s1(x.waitMs)} s | ${s1(x.overheadMs)} s | ${s1(x.remoteMs)} s | ${s1(x.kubeadmMs)} s | ${s1(x.overheadMs - x.kubeadmMs)} s | ${x.steps
        .slice(0, 4)
        .map((st) => `${st.module} ${s1(st.ms)} s`)
        .join(', ')} |`,
    );
  }
  const perMaster = r.cpuSeconds !== undefined ? ` (${(r.cpuSeconds / r.masters.length).toFixed(1)} s per master)` : '';
  out.push(
    '',
    `Whole run: ${s1(r.wallMs ?? 0)} s wall; cluster-wide steps (cluster preflight, TKE) ${s1(r.clusterStepsMs)} s; the tool's own CPU ${r.cpuSeconds?.toFixed(1) ?? '?'} s${perMaster}; peak RSS ${r.maxRssKb ? mbText(r.maxRssKb) : '?'}.${r.error ? ` Problem: ${r.error}.` : ''}`,
  );
  out.push('', 'Target:', '');
  for (const l of targetLines(res).filter((t) => t.includes('renewal'))) out.push(`- ${l}`);
  out.push(...fleetRenewalMarkdown(res.fleetRenewal));
  return out.join('\n');
}

function fleetRenewalMarkdown(r: FleetRenewalResult | undefined): string[] {
  if (!r) return [];
  const out = [
    '',
    `### Renewal of ${r.clusters} clusters at once (3 masters each, simulated components, \`--forks ${r.clusters}\`)`,
    '',
  ];
  if (r.wallMs === undefined) return [...out, `Not measured: ${r.error ?? ''}`];
  const sorted = [...r.spans].sort((a, b) => b.ms - a.ms);
  const slowest = sorted[0]?.ms ?? 0;
  const fastest = sorted[sorted.length - 1]?.ms ?? 0;
  out.push(
    `Whole fleet ${s1(r.wallMs)} s wall; slowest cluster ${s1(slowest)} s (${sorted[0]?.cluster ?? '?'}), fastest ${s1(fastest)} s: ` +
      `the fleet took ${ratio(r.wallMs, slowest)} its slowest cluster. The tool's CPU ${r.cpuSeconds?.toFixed(1) ?? '?'} s, peak RSS ${r.maxRssKb ? mbText(r.maxRssKb) : '?'}.` +
      `${r.error ? ` Problem: ${r.error}.` : ''}`,
  );
  return out;
}

const marker = (block: string, end: boolean): string =>
  `<!-- bench:${block}:${end ? 'end' : 'start (written by npm run bench)'} -->`;

/** The doc with one block (`fleet` or `renewal`) replaced, or appended when its markers are missing. */
export function replaceBlock(doc: string, block: 'fleet' | 'renewal', section: string): string {
  const start = marker(block, false);
  const end = marker(block, true);
  const text = `${start}\n${section}\n${end}`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a >= 0 && b > a) return `${doc.slice(0, a)}${text}${doc.slice(b + end.length)}`;
  return `${doc.trimEnd()}\n\n${text}\n`;
}
