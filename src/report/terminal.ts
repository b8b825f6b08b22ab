// The operator's view, on stderr. On a terminal: a live view redrawn in place (per cluster and host:
// the current step and its elapsed time, then what became of the host), replaced at the end by the
// report. Elsewhere (or --plain / --no-color / NO_COLOR): line mode, one line per step that did
// something (`[cluster/host] step status 1.2s message`; skipped steps only with -v), grouped by
// cluster (cluster-blocks.ts), one line when a cluster stops early. Both end with the same report:
// the plan (dry run) or what changed, the recap table and one last line.
import type { Writable } from 'node:stream';
import type { RunEvent } from '../playbook/events.js';
import type { RunSummary, TaskRecord } from '../playbook/results.js';
import { changeLines, clusterStopLine, planLines } from './changes.js';
import { createClusterBlocks, type ClusterBlocks } from './cluster-blocks.js';
import { paint, type Paint } from './colors.js';
import { formatDuration, middleEllipsis, table } from './format.js';
import { hostOutcome } from './outcome.js';
import { checkReadLine, dueLine, finalLine, recapTable } from './recap.js';

export interface TerminalReporterOptions {
  out: Writable;
  /** Redraw in place (TTY, not CI, not --plain) rather than print lines; also turns colour on. */
  live: boolean;
  /** Show skipped steps in line mode (-v). */
  verbose?: boolean;
  /** --renew-within, for the last line (`soonest 335d (threshold 30d)`). */
  renewWithinSeconds?: number;
  /** `report` (default): the full report at the end. `plan`: the plan and how many masters are due
   *  only: the dry run before a confirmation, whose question follows. */
  ending?: 'report' | 'plan';
  /** Redraw period of the live view. */
  refreshMs?: number;
  now?: () => number;
}

export interface TerminalReporter {
  onEvent(event: RunEvent): void;
  /** Writes text (a log line) without breaking the live view. */
  print(text: string): void;
  /** Stops the redraw timer (also done at runEnd). */
  close(): void;
}

interface HostLine {
  step: string;
  startedAt: number;
  state: 'waiting' | 'running' | 'done';
  outcome?: string;
}

/** Whether the live view suits this stream and environment (and the operator did not ask for lines). */
export function wantsLiveView(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
  flags: { plain?: boolean; color?: boolean } = {},
): boolean {
  if (flags.plain || flags.color === false || env.NO_COLOR) return false;
  return stream.isTTY === true && !env.CI && env.TERM !== 'dumb';
}

/** A message this long is cut in the middle (the full text is in --json and --log-file). */
const MAX_MESSAGE = 400;

/** `[cluster/host] step status 1.2s message` (with the phase for rescue / always). */
export function plainLine(r: TaskRecord): string {
  const phase = r.phase === 'main' ? '' : ` [${r.phase}]`;
  const status = r.ignored ? 'failed (ignored)' : r.status;
  const message = r.message ? ` ${middleEllipsis(r.message, MAX_MESSAGE)}` : '';
  return `[${r.cluster}/${r.host}] ${r.task}${phase} ${status} ${formatDuration(r.durationMs)}${message}`;
}

/** The report at the end of a run. `live`: the step lines were not printed, so failures are. */
export function endReport(
  summary: RunSummary,
  opts: { renewWithinSeconds: number; ending: 'report' | 'plan'; live: boolean; colors?: Paint },
): string[] {
  const c = opts.colors ?? paint(false);
  const failures = opts.live
    ? summary.clusters.flatMap((cl) => cl.hosts.filter((h) => h.failure).map((h) => plainLine(failedRecord(h.tasks))))
    : [];
  const stops = opts.live ? summary.clusters.map(clusterStopLine).filter((l): l is string => !!l) : [];
  const problems = [...failures, ...stops].map(c.red);
  if (summary.command === 'check') return [...problems, checkReadLine(summary)];
  const story = summary.dryRun ? planLines(summary) : changeLines(summary);
  if (opts.ending === 'plan') return [...problems, ...story, c.bold(dueLine(summary, opts.renewWithinSeconds))];
  const last = finalLine(summary, opts.renewWithinSeconds);
  return [
    ...problems,
    ...(story.length ? [...story, ''] : []),
    ...recapTable(summary),
    summary.exitCode === 0 ? c.bold(last) : c.red(last),
  ];
}

function failedRecord(tasks: TaskRecord[]): TaskRecord {
  return tasks.find((t) => (t.status === 'failed' && !t.ignored) || t.status === 'unreachable') ?? tasks.at(-1)!;
}

export function createTerminalReporter(opts: TerminalReporterOptions): TerminalReporter {
  const now = opts.now ?? Date.now;
  const colors = paint(opts.live);
  const clusters = new Map<string, Map<string, HostLine>>();
  const clusterNotes = new Map<string, string>();
  let blocks: ClusterBlocks | undefined;
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

  const frame = (): string[] => {
    const rows: string[][] = [];
    for (const [cluster, hosts] of clusters) {
      rows.push([colors.bold(cluster), clusterNotes.get(cluster) ?? 'running']);
      for (const [host, l] of hosts) {
        const elapsed = l.state === 'running' ? formatDuration(now() - l.startedAt) : '';
        rows.push([`  ${host}`, l.state === 'done' ? (l.outcome ?? '') : l.step, elapsed]);
      }
    }
    return table(rows);
  };
  // Cursor to the start of the first drawn line, clear to the end of the screen.
  const erase = (): string => (drawnLines > 0 ? `\x1b[${drawnLines}F\x1b[J` : '');
  const render = (): void => {
    const lines = frame();
    opts.out.write(`${erase()}${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };

  const close = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  const print = (text: string): void => {
    if (!opts.live || !timer) {
      opts.out.write(text);
      return;
    }
    opts.out.write(erase() + text);
    drawnLines = 0;
    render();
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
          blocks = createClusterBlocks(
            e.clusters.map((c) => c.name),
            (text) => opts.out.write(text),
          );
          const hosts = e.clusters.reduce((n, c) => n + c.hosts.length, 0);
          opts.out.write(
            `${e.dryRun && opts.ending !== 'plan' ? 'dry run: ' : ''}${e.playbook}: ${e.clusters.length} cluster(s), ${hosts} host(s)\n`,
          );
        }
        return;
      case 'taskStart':
        Object.assign(hostLine(e.cluster, e.host), {
          step: `${e.task}${e.phase === 'main' ? '' : ` [${e.phase}]`}`,
          startedAt: now(),
          state: 'running',
        });
        return;
      case 'taskEnd': {
        const r = e.record;
        hostLine(r.cluster, r.host).state = 'waiting';
        if (blocks && (r.status !== 'skipped' || opts.verbose)) blocks.write(r.cluster, plainLine(r));
        return;
      }
      case 'hostEnd':
        Object.assign(hostLine(e.summary.cluster, e.summary.host), { state: 'done', outcome: hostOutcome(e.summary) });
        return;
      case 'clusterEnd': {
        const s = e.summary;
        clusterNotes.set(s.cluster, s.status);
        const stop = clusterStopLine(s);
        if (blocks) {
          if (stop) blocks.write(s.cluster, stop);
          blocks.end(s.cluster);
        }
        return;
      }
      case 'runEnd': {
        close();
        blocks?.flushAll();
        const report = endReport(e.summary, {
          renewWithinSeconds: opts.renewWithinSeconds ?? 30 * 86400,
          ending: opts.ending ?? 'report',
          live: opts.live,
          colors,
        });
        // The live frame gives way to the report: its last state is in the recap.
        opts.out.write(`${opts.live ? erase() : '\n'}${report.join('\n')}\n`);
        drawnLines = 0;
        return;
      }
      default:
        return;
    }
  };
  return { onEvent, print, close };
}
