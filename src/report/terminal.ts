// The operator's view, on stderr. On a TTY outside CI: a live view redrawn in place (per cluster and
// host: the current step and its elapsed time). Elsewhere: one plain line per finished task,
// `[cluster/host] task status 1.2s message`. Both end with a summary table per cluster and host.
import type { Writable } from 'node:stream';
import type { RunEvent } from '../playbook/events.js';
import { formatDuration, table } from './format.js';
import type { RunSummary, TaskRecord, TaskStatus } from '../playbook/results.js';

export interface TerminalReporterOptions {
  out: Writable;
  /** Redraw in place (TTY, not CI) rather than print lines. */
  live: boolean;
  /** Redraw period of the live view. */
  refreshMs?: number;
  now?: () => number;
}

export interface TerminalReporter {
  onEvent(event: RunEvent): void;
  /** Stops the redraw timer (also done at runEnd). */
  close(): void;
}

interface HostLine {
  step: string;
  startedAt: number;
  state: 'waiting' | 'running' | 'done';
  last?: TaskRecord;
}

/** Whether the live view suits this stream and environment. */
export function wantsLiveView(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.CI && env.TERM !== 'dumb';
}

export function createTerminalReporter(opts: TerminalReporterOptions): TerminalReporter {
  const now = opts.now ?? Date.now;
  const clusters = new Map<string, Map<string, HostLine>>();
  const clusterNotes = new Map<string, string>();
  let drawnLines = 0;
  let timer: NodeJS.Timeout | undefined;

  const hostLine = (cluster: string, host: string): HostLine => {
    const hosts = clusters.get(cluster) ?? new Map<string, HostLine>();
    clusters.set(cluster, hosts);
    let line = hosts.get(host);
    if (!line) {
      line = { step: 'waiting', startedAt: now(), state: 'waiting' };
      hosts.set(host, line);
    }
    return line;
  };

  const render = (): void => {
    const rows: string[][] = [];
    for (const [cluster, hosts] of clusters) {
      rows.push([cluster, clusterNotes.get(cluster) ?? 'running']);
      for (const [host, l] of hosts) {
        const elapsed = l.state === 'running' ? formatDuration(now() - l.startedAt) : '';
        const step = l.state === 'done' && l.last ? `${l.last.task}: ${l.last.status}` : l.step;
        rows.push([`  ${host}`, step, elapsed]);
      }
    }
    const lines = table(rows);
    // Cursor to the start of the first drawn line, clear to the end of the screen, draw again.
    const up = drawnLines > 0 ? `\x1b[${drawnLines}F\x1b[J` : '';
    opts.out.write(`${up}${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };

  const close = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  const onEvent = (e: RunEvent): void => {
    switch (e.type) {
      case 'runStart':
        for (const c of e.clusters) for (const h of c.hosts) hostLine(c.name, h);
        if (opts.live) {
          render();
          timer = setInterval(render, opts.refreshMs ?? 250);
          timer.unref();
        } else {
          opts.out.write(
            `${e.dryRun ? 'dry run: ' : ''}${e.playbook}: ${e.clusters.length} cluster(s), ${e.clusters.reduce((n, c) => n + c.hosts.length, 0)} host(s)\n`,
          );
        }
        return;
      case 'taskStart': {
        const l = hostLine(e.cluster, e.host);
        Object.assign(l, {
          step: `${e.task}${e.phase === 'main' ? '' : ` [${e.phase}]`}`,
          startedAt: now(),
          state: 'running',
        });
        return;
      }
      case 'taskEnd': {
        const r = e.record;
        const l = hostLine(r.cluster, r.host);
        Object.assign(l, { state: 'waiting', last: r, step: `${r.task}: ${r.status}` });
        if (!opts.live) opts.out.write(`${plainLine(r)}\n`);
        return;
      }
      case 'hostEnd':
        hostLine(e.summary.cluster, e.summary.host).state = 'done';
        return;
      case 'clusterEnd': {
        const s = e.summary;
        clusterNotes.set(s.cluster, s.stoppedReason ? `${s.status}: ${s.stoppedReason}` : s.status);
        if (!opts.live && s.stoppedReason) opts.out.write(`[${s.cluster}] ${s.status}: ${s.stoppedReason}\n`);
        return;
      }
      case 'runEnd':
        close();
        if (opts.live) render();
        opts.out.write(`\n${summaryTable(e.summary).join('\n')}\n`);
        return;
      default:
        return;
    }
  };
  return { onEvent, close };
}

/** `[cluster/host] task status 1.2s message` (with the phase for rescue / always). */
export function plainLine(r: TaskRecord): string {
  const phase = r.phase === 'main' ? '' : ` [${r.phase}]`;
  const status = r.ignored ? 'failed (ignored)' : r.status;
  return `[${r.cluster}/${r.host}] ${r.task}${phase} ${status} ${formatDuration(r.durationMs)}${r.message ? ` ${r.message}` : ''}`;
}

/** The final table: one row per host, then why a cluster stopped, then the outcome. A dry run
 *  adds the WOULD-CHANGE column: the changes a real run would make. */
export function summaryTable(summary: RunSummary): string[] {
  const statuses: TaskStatus[] = [
    'ok',
    'changed',
    ...(summary.dryRun ? (['would-change'] as const) : []),
    'skipped',
    'failed',
    'unreachable',
  ];
  const rows: string[][] = [['CLUSTER', 'HOST', 'STATUS', ...statuses.map((s) => s.toUpperCase()), 'NOTE']];
  for (const c of summary.clusters) {
    for (const h of c.hosts) {
      const note = h.failure ? `${h.failure.task}: ${h.failure.message}` : '';
      rows.push([c.cluster, h.host, h.status, ...statuses.map((s) => String(h.counts[s])), note]);
    }
  }
  const lines = table(rows);
  for (const c of summary.clusters) if (c.stoppedReason) lines.push(`${c.cluster}: ${c.status}: ${c.stoppedReason}`);
  const outcome = summary.interrupted
    ? 'interrupted'
    : summary.exitCode === 0
      ? 'ok'
      : summary.exitCode === 3
        ? 'some hosts unreachable'
        : 'some hosts failed';
  // check's exit code also depends on the expiry found: it prints its own final line.
  if (summary.command === 'check')
    lines.push(
      `read ${summary.clusters.reduce((n, c) => n + c.hosts.length, 0)} host(s): ${outcome} in ${formatDuration(summary.durationMs)}`,
    );
  else if (summary.dryRun)
    lines.push(
      `dry run ${outcome}: ${summary.totals['would-change']} change(s) would be made, in ${formatDuration(summary.durationMs)} (exit code ${summary.exitCode})`,
    );
  else lines.push(`${outcome} in ${formatDuration(summary.durationMs)} (exit code ${summary.exitCode})`);
  return lines;
}
