// `check`'s terminal output. By default one line per cluster (its masters ok / warning / critical /
// unreachable, its soonest expiry and where), then only the certificates and nodes that need a look;
// `-o wide` (`--all`) lists every certificate of every node. Colour only when asked (a terminal
// without NO_COLOR): the words stay, so nothing depends on it.
import { formatResidual } from '../kube/residual.js';
import type { ExpiryEntry, ExpiryReport, NodeReport } from './expiry.js';
import { summarizeClusters, type ClusterExpiry } from './expiry-summary.js';

/** A certificate's time left (`335d`, `47h`, `expired 3d ago`): the one format of the tool. */
export const formatDays = formatResidual;

export interface ExpiryTableOptions {
  /** `summary` (default): clusters, then problems only; `wide`: every certificate of every node. */
  view?: 'summary' | 'wide';
  /** Leave out clusters, nodes and certificates without a problem. */
  onlyProblems?: boolean;
  color?: boolean;
}

const ANSI = { red: '\u001b[31m', yellow: '\u001b[33m', bold: '\u001b[1m', reset: '\u001b[0m' } as const;

/** Colour of a severity word (or a count of them), when colour is on. */
function painter(color: boolean): (word: string, text: string) => string {
  return (word, text) => {
    if (!color || text.trim() === '' || text.trim() === '0') return text;
    if (word === 'WARNING') return `${ANSI.yellow}${text}${ANSI.reset}`;
    if (word === 'CRITICAL' || word === 'UNREACHABLE') return `${ANSI.bold}${ANSI.red}${text}${ANSI.reset}`;
    return text;
  };
}

/** A certificate worth a row by default: not ok, or with a problem of its own. */
export const needsLook = (e: ExpiryEntry): boolean => e.severity !== 'ok' || e.problems.length > 0;

const when = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

export function formatExpiryTable(report: ExpiryReport, options: ExpiryTableOptions = {}): string {
  const paint = painter(options.color === true);
  const wide = options.view === 'wide';
  const onlyProblems = options.onlyProblems === true;
  const clusters = summarizeClusters(report);
  const s = report.soonest;
  if (!s && report.nodes.length === 0) return 'No certificates found.\n';
  const lines: string[] = [
    s
      ? `Soonest expiry in the fleet: ${s.cluster}/${s.node} ${s.name} (${s.source}) on ${when(s.notAfter)} UTC, ${formatDays(s.residualSeconds)}`
      : 'No certificates could be read.',
  ];

  const shownClusters = onlyProblems ? clusters.filter((c) => c.needsLook) : clusters;
  if (shownClusters.length === 0) {
    lines.push(
      `No problems: ${report.entries.length} certificate(s) on ${report.nodes.length} node(s) in ${clusters.length} cluster(s), none under --warn ${formatDays(report.thresholds.warnSeconds)}.`,
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push('', ...summaryTable(shownClusters, paint));

  const blocks = clusterBlocks(report, shownClusters, { wide, onlyProblems }, paint);
  if (blocks.length) {
    lines.push(
      '',
      wide && !onlyProblems
        ? 'Every certificate, soonest first:'
        : `Needs a look (under --warn ${formatDays(report.thresholds.warnSeconds)}, expired, a problem, or not read)${wide ? '' : '; -o wide lists every certificate'}:`,
      ...blocks,
    );
  }
  return `${lines.join('\n')}\n`;
}

function summaryTable(clusters: ClusterExpiry[], paint: (word: string, text: string) => string): string[] {
  const header = [
    'CLUSTER',
    'MASTERS',
    'OK',
    'WARNING',
    'CRITICAL',
    'UNREACHABLE',
    'WORKERS',
    'SOONEST',
    'EXPIRES (UTC)',
    'LEFT',
  ];
  const rows = clusters.map((c) => [
    c.cluster,
    String(c.masters.total),
    String(c.masters.ok),
    String(c.masters.warning),
    String(c.masters.critical),
    String(c.masters.unreachable),
    workersCell(c),
    c.soonest ? `${c.soonest.node} ${c.soonest.name}` : '-',
    c.soonest ? when(c.soonest.notAfter) : '-',
    c.soonest ? formatDays(c.soonest.residualSeconds) : '-',
  ]);
  return table([header, ...rows], (row, col, text) => (row === 0 ? text : paint(header[col] ?? '', text)));
}

function workersCell(c: ClusterExpiry): string {
  const w = c.workers;
  const bad = (
    [
      ['warning', w.warning],
      ['critical', w.critical],
      ['unreachable', w.unreachable],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  return bad.length ? `${w.total} (${bad.join(', ')})` : String(w.total);
}

/** `-- node (...)` and its rows, per cluster, for the nodes and certificates shown. */
function clusterBlocks(
  report: ExpiryReport,
  clusters: ClusterExpiry[],
  opts: { wide: boolean; onlyProblems: boolean },
  paint: (word: string, text: string) => string,
): string[] {
  const lines: string[] = [];
  for (const c of clusters) {
    const nodeLines: string[] = [];
    for (const node of c.nodes) {
      const all = report.entries.filter((e) => e.cluster === c.cluster && e.node === node.node);
      const shown = opts.wide && !opts.onlyProblems ? all : all.filter(needsLook);
      const unread = !node.read;
      if (!shown.length && !node.problems.length && !unread) continue;
      nodeLines.push(nodeHeader(node));
      if (shown.length) {
        const head = ['', 'CERTIFICATE', 'SOURCE', 'EXPIRES (UTC)', 'LEFT', 'CA', 'PROBLEMS'];
        const rows = shown.map((e) => [
          e.severity === 'ok' ? '' : e.severity.toUpperCase(),
          e.name,
          e.source,
          when(e.notAfter),
          formatDays(e.residualSeconds),
          e.caName ?? '',
          e.problems.join('; '),
        ]);
        nodeLines.push(
          ...table([head, ...rows], (row, col, text) => (row > 0 && col === 0 ? paint(text.trim(), text) : text)).map(
            (l) => `   ${l}`,
          ),
        );
      }
      for (const p of node.problems) nodeLines.push(`   ! ${p}`);
    }
    if (nodeLines.length) lines.push('', `== cluster ${c.cluster}`, ...nodeLines);
  }
  return lines;
}

/** Versions only as far as they are known: an unread node's kubeadm is unknown, not absent. */
export function nodeHeader(node: NodeReport): string {
  if (!node.read) return `-- ${node.node} (${node.role}, ${node.status}: nothing read, versions unknown)`;
  const parts = [node.role];
  // A worker runs no API server: its Kubernetes version is not read there.
  if (node.kubernetesVersion || node.role === 'master') parts.push(`Kubernetes ${node.kubernetesVersion ?? 'unknown'}`);
  parts.push(`kubeadm ${node.kubeadmVersion ?? 'absent'}`, node.status);
  return `-- ${node.node} (${parts.join(', ')})`;
}

/** Aligned columns; `paint` colours a padded cell (after padding, so escapes never shift columns). */
function table(rows: string[][], paint: (row: number, col: number, text: string) => string): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r, ri) => {
    const last = r.length - 1;
    return r
      .map((c, i) => paint(ri, i, i === last ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  });
}
