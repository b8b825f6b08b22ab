// The command line: flags (commander), exit codes, and the one-line error. `runCli` is what the bin
// runs and what tests call; it returns the exit code and never calls process.exit.
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, KcrError } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import { createLogger, LOG_LEVELS } from '../log.js';
import { builtinModules } from '../modules/index.js';
import { runPlaybook } from '../playbook/runner.js';
import { addCompletionCommands } from './completion.js';
import { askYesNo } from './confirm.js';
import { collect, durationOption, positiveIntOption } from './duration.js';
import { applyEnvDefaults } from './env-defaults.js';
import { addInventoryImportCommand } from './inventory-import-command.js';
import { inventoryValidate } from './inventory-validate.js';
import type { CliDeps, CliIo } from './io.js';
import { bundledPlaybook, packageVersion } from './package-info.js';
import { runCommand, type RunFlags } from './run-command.js';
import { addVersionCommand } from './version.js';

export type { CliDeps, CliIo } from './io.js';

export const defaultDeps: CliDeps = {
  loadInventory,
  runPlaybook,
  modules: builtinModules(),
  createTransport: async (opts) => (await import('../transport/ssh-transport.js')).createSshTransport(opts),
  createLogger,
  confirm: askYesNo,
};

const EXIT_CODES = `
Exit codes:
  0    every host ok, changed or skipped (or nothing to do)
  2    some host failed (its cluster stopped; other clusters went on)
  3    some hosts unreachable, none failed
  4    invalid inventory or playbook (one line: file:line:col)
  5    usage error: bad flags, unknown --cluster/--limit name, or a change not confirmed
  130  interrupted (Ctrl-C / SIGTERM): steps in flight finished, nothing new started
  1    internal error (a bug; -v shows the stack)`;

const RENEW_HELP = `
Clusters run in parallel (up to --forks); the masters of one cluster strictly one at a time, the
next only once the cluster is healthy again. A failed or unreachable master stops its cluster
(after its rollback steps); other clusters go on. Progress goes to stderr, --json to stdout.

Examples:
  renew --inventory prod.yaml --dry-run                 # see what would be renewed
  renew --inventory prod.yaml --cluster global --yes    # renew one cluster, no prompt
  renew --inventory prod.yaml --limit m1 --json > report.json
  renew check --inventory prod.yaml --junit check.xml
  renew inventory validate prod.yaml
${EXIT_CODES}`;

const CHECK_HELP = `
Runs playbooks/check.yaml on every targeted node (read-only: it always runs as a dry run and asks
for no confirmation), in parallel (bounded by --forks): every
kubeadm certificate file, every kubeconfig's client certificate, the CAs, on masters each
control-plane component still running on credentials older than its files (its start against the
files' mtime: not restarted since a renewal), the certificates served on :6443 and :2379 (what
clients see; not a restart proof), API servers up close to a year (kubernetes#86552), kubelet.conf files embedding their certificate,
and kubeadm versions that do not match the cluster. The table goes to stdout, soonest expiry first.

Examples:
  renew check --inventory prod.yaml
  renew check --inventory prod.yaml --json > expiry.json
  renew check --inventory prod.yaml --prometheus /var/lib/node_exporter/kube-certs.prom
${EXIT_CODES}
  10   (check) a certificate expires within --warn
  11   (check) a certificate expires within --critical, or has expired
  12   (check) a component runs on credentials older than its files (not restarted)`;

/** A duration flag (500ms, 90s, 15m, 12h, 30d) whose default is shown as written. */
function durationFlag(flags: string, description: string, defaultText: string): Option {
  return new Option(flags, `${description} (500ms, 90s, 15m, 12h, 30d)`)
    .argParser(durationOption)
    .default(durationOption(defaultText), defaultText);
}

/** Flags shared by `renew` and `check`. */
function addRunOptions(cmd: Command, defaultPlaybook: string): Command {
  return (
    cmd
      // Not commander's requiredOption: on the program it would be demanded of every subcommand too.
      .option('-i, --inventory <file>', 'inventory YAML: the clusters, their masters and SSH settings (required)')
      .option('-c, --cluster <name>', 'only this cluster (repeatable; comma-separated lists too)', collect)
      .option('-l, --limit <host>', 'only this host (repeatable; comma-separated lists too)', collect)
      .option('--playbook <file>', 'playbook to run', defaultPlaybook)
      .option('--forks <n>', 'how many clusters run at once', positiveIntOption, 10)
      .option('--json', 'print the run summary as one JSON document on stdout')
      .option('--junit <file>', 'write a JUnit XML report (one test case per host and task)')
      .option('--log-file <file>', 'write the structured (pino JSON) log here instead of stderr')
      .addOption(
        new Option('--log-level <level>', 'log level (default: warn; info with --log-file)').choices(LOG_LEVELS),
      )
      .option(
        '-v, --verbose',
        'more logging: -v info, -vv debug, -vvv trace; stacks of internal errors',
        (_: string, n: number) => n + 1,
        0,
      )
      .option('--accept-new-host-keys', 'record unknown SSH host keys in known_hosts (a changed key is always refused)')
      .addOption(durationFlag('--renew-within <duration>', 'renew a certificate when less than this is left', '30d'))
      .addOption(
        durationFlag('--health-timeout <duration>', 'longest wait for a control plane to be healthy again', '300s'),
      )
      .addOption(
        durationFlag(
          '--kubeadm-timeout <duration>',
          'longest a kubeadm certs renew may run (it reads only local files: seconds, unless the node is starved)',
          '180s',
        ),
      )
      .addOption(
        durationFlag(
          '--restart-timeout <duration>',
          'longest a removed control-plane container may take to come back (the kubelet recreates it)',
          '300s',
        ),
      )
      .addOption(
        durationFlag(
          '--etcd-start-timeout <duration>',
          'longest a restarted local etcd may take to serve again (a large database replays for minutes)',
          '600s',
        ),
      )
      .addOption(
        durationFlag(
          '--max-clock-skew <duration>',
          'largest accepted clock difference between a node and this machine',
          '60s',
        ),
      )
      .option('--output-dir <dir>', 'local folder for reports and backups taken to this machine', 'kcr-output')
  );
}

export function buildProgram(io: CliIo, deps: CliDeps, setExit: (code: number) => void): Command {
  const program = new Command('renew');
  program
    .description(
      'Renews the kubeadm certificates of TKEStack clusters over SSH, one master at a time, and proves the result.',
    )
    .version(packageVersion(), '--version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Commander's errors on one line (a suggestion joins the message).
      outputError: (s, write) => write(`${s.trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`),
    })
    .showSuggestionAfterError(true);

  addRunOptions(program, bundledPlaybook('renew.yaml'))
    .option('--dry-run', 'change nothing: read-only steps run, the others say what they would do')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--force', 'renew even certificates that are not due')
    .addHelpText('after', RENEW_HELP)
    .action(async (flags: RunFlags) => setExit(await runCommand('renew', flags, io, deps)));

  addRunOptions(
    program
      .command('check')
      .description(
        'Reports every certificate of every node (files, kubeconfigs, CAs, and what :6443 and :2379 serve), soonest expiry first; changes nothing.',
      ),
    bundledPlaybook('check.yaml'),
  )
    .addOption(durationFlag('--warn <duration>', 'exit 10 when a certificate has less than this left', '30d'))
    .addOption(
      durationFlag('--critical <duration>', 'exit 11 when a certificate has less than this left, or has expired', '7d'),
    )
    .option(
      '--prometheus <file>',
      'write a node-exporter textfile (x509-certificate-exporter metric names) to this file',
    )
    .addHelpText('after', CHECK_HELP)
    .action(async (flags: RunFlags) => setExit(await runCommand('check', flags, io, deps)));

  const inventory = program.command('inventory').description('Inventory tools.');
  inventory
    .command('validate')
    .description('Loads and validates an inventory file; connects to nothing.')
    .argument('<file>', 'inventory YAML')
    .addHelpText('after', '\nPrints "ok: N clusters, M hosts", or one line naming file:line:col and exits 4.')
    .action(async (file: string) => setExit(await inventoryValidate(file, io, deps)));
  addInventoryImportCommand(inventory, io, deps, setExit);
  addVersionCommand(program, io);
  addCompletionCommands(program, io, deps, setExit);
  applyEnvDefaults(program, io.env);
  return program;
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = defaultDeps): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(io, deps, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (err instanceof KcrError) {
      io.stderr.write(`error: ${err.oneLine()}\n`);
      return err.exitCode;
    }
    const verbose = argv.some((a) => /^-v+$/.test(a) || a === '--verbose');
    const text = err instanceof Error ? err.message : String(err);
    io.stderr.write(
      `error: internal error: ${text.replace(/[\r\n]+/g, ' ')}${verbose ? '' : ' (run with -v for details)'}\n`,
    );
    if (verbose && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return ExitCode.internal;
  }
}
