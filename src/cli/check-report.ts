// `check`'s output: the expiry table (stdout), or one JSON document (--json), and the Prometheus
// textfile (--prometheus); the exit code says "act now": 11 critical or expired, 12 a component
// still runs on credentials older than its files (not restarted since a renewal), 10 warning.
import { writeFile, rename } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { ExitCode } from '../errors.js';
import { buildExpiryReport } from '../report/expiry.js';
import { formatExpiryTable, formatPrometheus } from '../report/expiry-format.js';
import type { RunSummary } from '../playbook/results.js';

export interface CheckOutputFlags {
  json?: boolean;
  prometheus?: string;
  warnMs: number;
  criticalMs: number;
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
      `${JSON.stringify({ ...report, exitCode, run: { startedAt: summary.startedAt, durationMs: summary.durationMs, interrupted: summary.interrupted } }, null, 2)}\n`,
    );
  else stdout.write(formatExpiryTable(report));
  if (flags.prometheus) {
    // Atomic, so node-exporter never reads half a file.
    const tmp = `${flags.prometheus}.tmp-${process.pid}`;
    await writeFile(tmp, formatPrometheus(report), { mode: 0o600 });
    await rename(tmp, flags.prometheus);
  }
  const count = (sev: string): number => report.entries.filter((e) => e.severity === sev).length;
  stderr?.write(
    `check: ${report.entries.length} certificate(s) on ${report.nodes.length} node(s): ${count('critical')} critical, ${count('warning')} warning${report.notRestarted.length ? `, ${report.notRestarted.length} component(s) not restarted since their credentials changed (${report.notRestarted.join(', ')})` : ''} (exit code ${exitCode})\n`,
  );
  return exitCode;
}
