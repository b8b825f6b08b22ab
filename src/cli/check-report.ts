// `check`'s output: the per-cluster summary and what needs a look (stdout; every certificate with
// `-o wide`), or one versioned JSON document (--json); the Prometheus textfile (--prometheus) and
// the JUnit report (--junit). The exit code says "act now": 11 critical or expired, 12 a component
// still runs on credentials older than its files (not restarted since a renewal), 10 warning.
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { ExitCode } from '../errors.js';
import type { RunSummary } from '../playbook/results.js';
import { buildExpiryReport, type ExpiryReport } from '../report/expiry.js';
import { formatDays, formatExpiryTable } from '../report/expiry-format.js';
import { checkDocument } from '../report/expiry-json.js';
import { expiryToJunit } from '../report/expiry-junit.js';
import { formatPrometheus } from '../report/expiry-prometheus.js';

export interface CheckOutputFlags {
  json?: boolean;
  prometheus?: string;
  junit?: string;
  warnMs: number;
  criticalMs: number;
  /** `wide`: every certificate of every node (also `--all`). */
  output?: 'summary' | 'wide';
  onlyProblems?: boolean;
  /** Colour WARNING/CRITICAL (the caller decides: a terminal, no NO_COLOR, no --no-color). */
  color?: boolean;
}

export async function reportCheck(
  summary: RunSummary,
  flags: CheckOutputFlags,
  stdout: Writable,
  stderr?: Writable,
): Promise<number> {
  const report = buildExpiryReport(summary, {
    warnSeconds: flags.warnMs / 1000,
    criticalSeconds: flags.criticalMs / 1000,
  });
  // Host failures and interruptions speak first: an incomplete check cannot say "all fine".
  const exitCode =
    summary.exitCode !== ExitCode.ok
      ? summary.exitCode
      : report.severity === 'critical'
        ? ExitCode.checkCritical
        : report.notRestarted.length > 0
          ? ExitCode.checkNotRestarted
          : report.severity === 'warning'
            ? ExitCode.checkWarning
            : ExitCode.ok;
  if (flags.json)
    stdout.write(
      `${JSON.stringify(checkDocument(report, exitCode, { startedAt: summary.startedAt, durationMs: summary.durationMs, interrupted: summary.interrupted }), null, 2)}\n`,
    );
  else
    stdout.write(
      formatExpiryTable(report, {
        view: flags.output ?? 'summary',
        onlyProblems: flags.onlyProblems,
        color: flags.color,
      }),
    );
  if (flags.prometheus) {
    const previous = await readFile(flags.prometheus, 'utf8').catch(() => undefined);
    await writeAtomic(flags.prometheus, formatPrometheus(report, previous));
  }
  if (flags.junit) await writeAtomic(flags.junit, expiryToJunit(report, summary.durationMs));
  stderr?.write(`${lastLine(report, exitCode)}\n`);
  return exitCode;
}

/** Atomic (node-exporter never reads half a file) and 0600 (it names hosts and paths). */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/** `check: 34 certificate(s) on 3 of 4 node(s) (not read: global-m3): ...`, with the soonest in the table's own words. */
export function lastLine(report: ExpiryReport, exitCode: number): string {
  const count = (sev: string): number => report.entries.filter((e) => e.severity === sev).length;
  const unread = report.nodes.filter((n) => !n.read);
  const nodes = unread.length
    ? `${report.nodes.length - unread.length} of ${report.nodes.length} node(s) (not read: ${unread.map((n) => `${n.cluster}/${n.node}`).join(', ')})`
    : `${report.nodes.length} node(s)`;
  const s = report.soonest;
  const soonest = s ? `; soonest ${s.cluster}/${s.node} ${s.name} ${formatDays(s.residualSeconds)}` : '';
  const notRestarted = report.notRestarted.length
    ? `, ${report.notRestarted.length} component(s) not restarted since their credentials changed (${report.notRestarted.join(', ')})`
    : '';
  return `check: ${report.entries.length} certificate(s) on ${nodes}: ${count('critical')} critical, ${count('warning')} warning${notRestarted}${soonest} (exit code ${exitCode})`;
}

/** Colour on a terminal only, and never with NO_COLOR (no-color.org), TERM=dumb or --no-color. */
export function wantsColor(out: Writable & { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  return out.isTTY === true && flag !== false && !env.NO_COLOR && env.TERM !== 'dumb';
}
