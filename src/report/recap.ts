// The end of a run: one row per host (Ansible's counts plus what happened to it), and the last line,
// which says in one sentence how many masters were due, what became of them and what to do next.
import type { HostSummary, RunSummary, TaskStatus } from '../playbook/results.js';
import { formatDays, formatDuration, table } from './format.js';
import { dueVerdict, hostOutcome, plannedChanges, realChanges, wasRescued } from './outcome.js';

/** The recap table. CHANGED (WOULD-CHANGE in a dry run) counts changes to the cluster only: a backup or
 *  the in-progress mark count as ok. RESCUED: the host failed and its rescue steps restored it. */
export function recapTable(summary: RunSummary): string[] {
  const changedColumn: TaskStatus = summary.dryRun ? 'would-change' : 'changed';
  const rows: string[][] = [
    [
      'CLUSTER',
      'HOST',
      'RESULT',
      'OK',
      changedColumn.toUpperCase(),
      'SKIPPED',
      'FAILED',
      'RESCUED',
      'UNREACHABLE',
      'NOTE',
    ],
  ];
  for (const c of summary.clusters) {
    for (const h of c.hosts) {
      const changed = (summary.dryRun ? plannedChanges(h) : realChanges(h)).length;
      // What a change column leaves out (bookkeeping) is still a step that went well.
      const ok = h.counts.ok + h.counts[changedColumn] - changed;
      rows.push([
        c.cluster,
        h.host,
        hostOutcome(h),
        String(ok),
        String(changed),
        String(h.counts.skipped),
        String(h.counts.failed),
        wasRescued(h) ? '1' : '0',
        String(h.counts.unreachable),
        hostNote(h),
      ]);
    }
  }
  return table(rows);
}

function hostNote(h: HostSummary): string {
  const outcome = hostOutcome(h);
  if (h.failure) return `at "${h.failure.task}"`;
  if (outcome === 'half renewed') return 'in-progress mark set: run renew again to finish';
  return '';
}

/** Names and outcomes of the masters, and the soonest expiry preflight read among them. */
function mastersOf(summary: RunSummary): { host: HostSummary; outcome: string; due?: boolean }[] {
  return summary.clusters.flatMap((c) =>
    c.hosts
      .filter((h) => h.role === 'master')
      .map((h) => ({ host: h, outcome: hostOutcome(h), due: dueVerdict(h)?.due })),
  );
}

function soonestSeconds(summary: RunSummary): number | undefined {
  const left = summary.clusters
    .flatMap((c) => c.hosts)
    .map((h) => dueVerdict(h)?.soonest?.residualSeconds)
    .filter((s): s is number => s !== undefined);
  return left.length ? Math.min(...left) : undefined;
}

function changeCount(summary: RunSummary): string {
  const hosts = summary.clusters.flatMap((c) => c.hosts);
  const n = hosts.reduce((sum, h) => sum + (summary.dryRun ? plannedChanges(h) : realChanges(h)).length, 0);
  return `${n} change(s) ${summary.dryRun ? 'would be made' : 'made'}`;
}

/** How many masters are due: `3 of 4 masters due`, or, when none is, the soonest expiry against the
 *  threshold and how to renew early anyway. */
export function dueLine(summary: RunSummary, renewWithinSeconds: number): string {
  const masters = mastersOf(summary);
  if (masters.length === 0) return 'no master targeted';
  // A playbook without preflight says nothing about due: count its changes instead.
  if (masters.every((m) => m.due === undefined)) return changeCount(summary);
  const due = masters.filter((m) => m.due === true).length;
  if (due > 0 || masters.some((m) => m.due === undefined)) return `${due} of ${masters.length} masters due`;
  const soonest = soonestSeconds(summary);
  return `0 of ${masters.length} masters due; ${soonest === undefined ? '' : `soonest ${formatDays(soonest)} `}(threshold ${formatDays(renewWithinSeconds)}); use --force or --renew-within to renew early`;
}

/** The last line of a renew run: `0 of 4 masters due; soonest 335d (threshold 30d); use --force ...`,
 *  `renewed 3 of 3 due masters`, with what went wrong and what to do, then time and exit code. */
export function finalLine(summary: RunSummary, renewWithinSeconds: number): string {
  const took = ` (${formatDuration(summary.durationMs)}, exit code ${summary.exitCode})`;
  const masters = mastersOf(summary);
  const due = masters.filter((m) => m.due === true).length;
  const renewed = masters.filter((m) => m.outcome === 'renewed').length;

  let head = dueLine(summary, renewWithinSeconds);
  if (summary.dryRun)
    head = `dry run: ${head}${due > 0 ? `; nothing was changed; run without --dry-run to renew ${due === 1 ? 'it' : 'them'}` : ''}`;
  else if (due > 0)
    head = `renewed ${renewed} of ${due} due master${due === 1 ? '' : 's'} (${masters.length} targeted)`;

  const problems: string[] = [];
  const advice = new Set<string>();
  for (const m of masters) {
    if (m.outcome.startsWith('failed')) {
      problems.push(`${m.host.host} ${m.outcome}`);
      advice.add(
        m.outcome === 'failed, rollback failed'
          ? 'restore it by hand from its backup (docs/runbook.md)'
          : 'fix the cause, then run renew again',
      );
    } else if (m.outcome === 'unreachable') {
      problems.push(`${m.host.host} unreachable`);
      advice.add('check SSH to it, then run renew again');
    } else if (m.outcome === 'half renewed') {
      problems.push(`${m.host.host} half renewed (in-progress mark set)`);
      advice.add('run renew again to finish');
    }
  }
  const notReached = masters.filter((m) => m.outcome === 'not reached').length;
  if (notReached && !summary.dryRun) problems.push(`${notReached} not reached`);
  if (summary.interrupted) advice.add('run renew again to finish');
  for (const c of summary.clusters)
    for (const w of c.hosts) if (w.role === 'worker' && w.status === 'failed') problems.push(`${w.host} failed`);

  const prefix = summary.interrupted ? 'interrupted: ' : '';
  const tail = `${problems.length ? `; ${problems.join('; ')}` : ''}${advice.size ? `: ${[...advice].join('; ')}` : ''}`;
  return `${prefix}${head}${tail}${took}`;
}

/** `check`'s last line on stderr before its own verdict: how many hosts were read. */
export function checkReadLine(summary: RunSummary): string {
  const outcome = summary.interrupted
    ? 'interrupted'
    : summary.exitCode === 0
      ? 'ok'
      : summary.exitCode === 3
        ? 'some hosts unreachable'
        : 'some hosts failed';
  return `read ${summary.clusters.reduce((n, c) => n + c.hosts.length, 0)} host(s): ${outcome} in ${formatDuration(summary.durationMs)}`;
}
