// `renew` and `check`: load the inventory and the playbook, confirm, run, report. Thin on purpose:
// all the work is in the runner and the reporters.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { selectTargets } from '../inventory/targeting.js';
import type { RunOptions } from '../playbook/types.js';
import type { RunSummary } from '../playbook/results.js';
import { writeJsonSummary } from '../report/json.js';
import { writeJunitFile } from '../report/junit.js';
import { anythingToChange } from '../report/outcome.js';
import { createTerminalReporter, wantsLiveView } from '../report/terminal.js';
import { reportCheck, wantsColor } from './check-report.js';
import type { CliDeps, CliIo } from './io.js';
import { packageVersion } from './package-info.js';
import { loadCliPlaybook } from './playbook-source.js';
import { checkCheckThresholds, renewWithinWarning } from './thresholds.js';

/** The flags of `renew` (and, where they apply, `check`), as commander parses them. */
export interface RunFlags {
  inventory?: string;
  cluster?: string[];
  limit?: string[];
  playbook: string;
  forks: number;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  junit?: string;
  logFile?: string;
  logLevel?: string;
  verbose?: number;
  acceptNewHostKeys?: boolean;
  renewWithin: number;
  force?: boolean;
  healthTimeout: number;
  kubeadmTimeout: number;
  restartTimeout: number;
  etcdStartTimeout: number;
  maxClockSkew: number;
  outputDir: string;
  keepBackups?: number;
  /** Line mode even on a terminal. */
  plain?: boolean;
  /** false with --no-color: no colours, and so line mode. */
  color?: boolean;
  /** check only */
  deep?: boolean;
  warn?: number;
  critical?: number;
  prometheus?: string;
  output?: 'summary' | 'wide';
  all?: boolean;
  onlyProblems?: boolean;
}

export async function runCommand(
  command: 'renew' | 'check',
  flags: RunFlags,
  io: CliIo,
  deps: CliDeps,
): Promise<number> {
  if (!flags.inventory) throw new UsageError('the --inventory <file> option is required', 'see --help');
  if (command === 'check') checkCheckThresholds(flags.warn ?? 30 * 86400_000, flags.critical ?? 7 * 86400_000);
  const renewWithin = command === 'renew' ? renewWithinWarning(flags.renewWithin, flags.force === true) : undefined;
  if (renewWithin) io.stderr.write(`${renewWithin}\n`);
  // Log lines go where the terminal view says (above a live view), else straight to stderr.
  let print = (text: string): void => void io.stderr.write(text);
  const logger = deps.createLogger({
    level: flags.logLevel,
    verbosity: flags.verbose,
    logFile: flags.logFile,
    print: (text) => print(text),
  });
  const inventory = selectTargets(await deps.loadInventory(flags.inventory), {
    clusters: flags.cluster,
    limit: flags.limit,
  });
  const playbook = await loadCliPlaybook(flags.playbook, deps.modules);
  // `check` never changes anything: it runs as a dry run whatever its playbook holds.
  const dryRun = command === 'check' || flags.dryRun === true;

  // Report files are written after the run: a folder that does not exist must fail now, not then.
  for (const [flag, file] of [
    ['--junit', flags.junit],
    ['--prometheus', flags.prometheus],
  ] as const) {
    if (file !== undefined && !existsSync(path.dirname(path.resolve(file))))
      throw new UsageError(
        `${flag} ${file}: folder ${path.dirname(path.resolve(file))} does not exist`,
        'create it first',
      );
  }

  if (!dryRun && !flags.yes && !io.stdin.isTTY) {
    throw new UsageError(
      'this run may change the hosts and stdin is not a terminal to confirm it',
      'pass --yes, or --dry-run to only see what would be done',
    );
  }

  const live = wantsLiveView(io.stderr, io.env, flags);
  /** `ending: 'plan'`: the dry run before the question, which shows only the plan. */
  const execute = async (asDryRun: boolean, ending: 'report' | 'plan' = 'report'): Promise<RunSummary> => {
    const options: RunOptions = {
      dryRun: asDryRun,
      renewWithinSeconds: Math.round(flags.renewWithin / 1000),
      force: flags.force === true,
      outputDir: path.resolve(flags.outputDir),
      healthTimeoutMs: flags.healthTimeout,
      kubeadmTimeoutMs: flags.kubeadmTimeout,
      restartTimeoutMs: flags.restartTimeout,
      etcdStartTimeoutMs: flags.etcdStartTimeout,
      maxClockSkewMs: flags.maxClockSkew,
      ...(command === 'check' ? { checkMode: flags.deep === true ? 'deep' : 'quick' } : {}),
      keepBackups: flags.keepBackups,
    };
    const terminal = createTerminalReporter({
      out: io.stderr,
      live,
      verbose: (flags.verbose ?? 0) > 0,
      renewWithinSeconds: options.renewWithinSeconds,
      ending,
    });
    print = terminal.print;
    const transport = await deps.createTransport({ acceptNewHostKeys: flags.acceptNewHostKeys === true, logger });
    try {
      return await deps.runPlaybook({
        inventory,
        playbook,
        modules: deps.modules,
        transport,
        options,
        forks: flags.forks,
        logger,
        signal: io.signal,
        onEvent: terminal.onEvent,
        command,
        version: packageVersion(),
      });
    } finally {
      terminal.close();
      print = (text) => void io.stderr.write(text);
      await transport.closeAll();
    }
  };

  if (!dryRun && !flags.yes) {
    // On a terminal: the plan first (a read-only dry run: per master, due or not and why, what would
    // be backed up, renewed, restarted), and a question only when there is something to do.
    const plan = await execute(true, 'plan');
    if (plan.interrupted || !anythingToChange(plan)) return plan.exitCode;
    if (!(await deps.confirm('Renew the certificates of these hosts as planned?', io)))
      throw new UsageError('not confirmed: nothing was changed', 'answer "y", or pass --yes');
  }
  const summary = await execute(dryRun);
  // check writes its own JUnit: one case per certificate.
  if (flags.junit && command !== 'check') await writeJunitFile(summary, flags.junit);
  if (command === 'check') {
    return reportCheck(
      summary,
      {
        json: flags.json,
        prometheus: flags.prometheus,
        junit: flags.junit,
        output: flags.all ? 'wide' : flags.output,
        onlyProblems: flags.onlyProblems,
        color: wantsColor(io.stdout, io.env, flags.color),
        warnMs: flags.warn ?? 30 * 86400_000,
        criticalMs: flags.critical ?? 7 * 86400_000,
      },
      io.stdout,
      io.stderr,
    );
  }
  if (flags.json) writeJsonSummary(summary, io.stdout);
  return summary.exitCode;
}
