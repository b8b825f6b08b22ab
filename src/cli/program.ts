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
import { KEEP_BACKUPS_DEFAULT } from '../modules/support/retention.js';
import { applyEnvDefaults } from './env-defaults.js';
import { forwardOptionsToSubcommand, unknownCommand } from './grammar.js';
import { addInventoryImportCommand } from './inventory-import-command.js';
import { inventoryList, type InventoryListFlags } from './inventory-list.js';
import { inventoryFile, inventoryValidate } from './inventory-validate.js';
import type { CliDeps, CliIo } from './io.js';
import { bundledPlaybook, packageVersion } from './package-info.js';
import { runCommand, type RunFlags } from './run-command.js';
import { recordingRuns } from './run-record.js';
import { defaultStateDir, STATE_DIR_HELP } from './state-dir.js';
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

const COMMON_EXIT_CODES = `
  2    some host failed (its cluster stopped; other clusters went on)
  3    some hosts unreachable, none failed
  4    invalid inventory or playbook (one line: file:line:col)`;

const LAST_EXIT_CODES = `
  130  interrupted (Ctrl-C / SIGTERM): steps in flight finished, nothing new started
  1    internal error (a bug; -v shows the stack)`;

const EXIT_CODES = `
Exit codes:
  0    every host ok, changed or skipped (or nothing to do)${COMMON_EXIT_CODES}
  5    usage error: bad flags, unknown --cluster/--limit name, or a change not confirmed${LAST_EXIT_CODES}`;

const CHECK_EXIT_CODES = `
Exit codes:
  0    every certificate has more than --warn left${COMMON_EXIT_CODES}
  5    usage error: bad flags, unknown --cluster/--limit name${LAST_EXIT_CODES}
  10   a certificate expires within --warn
  11   a certificate expires within --critical, or has expired
  12   (--deep) a component runs on credentials older than its files (not restarted)`;

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
for no confirmation), in parallel (bounded by --forks). By default (quick, one round trip a node,
no private key read): every kubeadm certificate file, every kubeconfig's client certificate and
the CAs with their end dates and chains, kubelet.conf files embedding their certificate, kubeadm
versions that do not match the cluster, the node's clock. With --deep, also: each private key
against its certificate, on masters each control-plane component still running on credentials
older than its files (its start against the files' mtime: not restarted since a renewal), the
certificates served on :6443 and :2379 (what clients see; not a restart proof) and API servers up
close to a year (kubernetes#86552). stdout: one line per cluster (masters ok, warning, critical,
unreachable; its soonest expiry), then only what needs a look; -o wide lists every certificate.
--json: kubeadm's CertificateExpirationInfo per host, in a versioned document. --junit: one test case per
certificate per host. --warn must not be below --critical.

Examples:
  renew check --inventory prod.yaml
  renew check --inventory prod.yaml -o wide --cluster global
  renew check --inventory prod.yaml --json > expiry.json
  renew check --inventory prod.yaml --prometheus /var/lib/node_exporter/kube-certs.prom
${CHECK_EXIT_CODES}`;

/** A duration flag (500ms, 90s, 15m, 12h, 30d) whose default is shown as written. */
function durationFlag(flags: string, description: string, defaultText: string): Option {
  return new Option(flags, `${description} (500ms, 90s, 15m, 12h, 30d)`)
    .argParser(durationOption)
    .default(durationOption(defaultText), defaultText);
}

/** Flags shared by `renew` and `check`. */
function addRunOptions(cmd: Command, defaultPlaybook: string, env: NodeJS.ProcessEnv): Command {
  return (
    cmd
      // Not commander's requiredOption: on the program it would be demanded of every subcommand too.
      .option('-i, --inventory <file>', 'inventory YAML: the clusters, their masters and SSH settings (required)')
      .option('-c, --cluster <name>', 'only this cluster (repeatable; comma-separated lists too)', collect)
      .option('-l, --limit <host>', 'only this host (repeatable; comma-separated lists too)', collect)
      .option('--playbook <file>', 'playbook to run', defaultPlaybook)
      .option('--forks <n>', 'how many clusters run at once', positiveIntOption, 10)
      .option('--json', 'print the run summary as one JSON document on stdout')
      .option(
        '--junit <file>',
        'write a JUnit XML report (renew: a test case per host and task; check: per certificate)',
      )
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
      .option('--plain', 'line mode on a terminal too: one line per step, no live view, no colours')
      .option('--no-color', 'no colours, so line mode (also NO_COLOR)')
      .option('--accept-new-host-keys', 'record unknown SSH host keys in known_hosts (a changed key is always refused)')
      // Both commands keep a record of every run there (renew also the tke/certs copies).
      .addOption(
        new Option(
          '--output-dir <dir>',
          'private local folder (0700) for a record of every run (runs/) and the tke/certs copies a restore needs',
        ).default(defaultStateDir(env), STATE_DIR_HELP),
      )
  );
}

/** Flags of `renew` only: what a renewal changes, how long it waits, where it keeps its files. */
function renewOnlyOptions(): Option[] {
  return [
    durationFlag('--renew-within <duration>', 'renew a certificate when less than this is left', '30d'),
    durationFlag('--health-timeout <duration>', 'longest wait for a control plane to be healthy again', '300s'),
    durationFlag(
      '--kubeadm-timeout <duration>',
      'longest a kubeadm certs renew may run (it reads only local files: seconds, unless the node is starved)',
      '180s',
    ),
    durationFlag(
      '--restart-timeout <duration>',
      'longest a removed control-plane container may take to come back (the kubelet recreates it)',
      '300s',
    ),
    durationFlag(
      '--etcd-start-timeout <duration>',
      'longest a restarted local etcd may take to serve again (a large database replays for minutes)',
      '600s',
    ),
    durationFlag(
      '--max-clock-skew <duration>',
      'largest accepted clock difference between a node and this machine',
      '60s',
    ),
    new Option(
      '--keep-backups <n>',
      "backups this tool keeps per master: after a renewal, older ones of its own are removed (others' files never)",
    )
      .argParser(positiveIntOption)
      .default(KEEP_BACKUPS_DEFAULT),
  ];
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

  const renewOnly = renewOnlyOptions();
  addRunOptions(program, bundledPlaybook('renew.yaml'), io.env)
    .option('--dry-run', 'change nothing: read-only steps run, the others say what they would do')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--force', 'renew even certificates that are not due')
    .allowExcessArguments(true)
    .addHelpText('after', RENEW_HELP)
    .action(async (flags: RunFlags) => {
      if (program.args.length > 0) throw unknownCommand(program, program.args);
      setExit(await runCommand('renew', flags, io, recordingRuns(deps, 'renew', flags.outputDir, io)));
    });
  for (const option of renewOnly) program.addOption(option);

  // `check` takes neither the renewal's flags nor its help; their defaults still fill RunFlags.
  const renewDefaults = Object.fromEntries(renewOnly.map((o) => [o.attributeName(), o.defaultValue]));
  addRunOptions(
    program
      .command('check')
      .description(
        'Reports every certificate of every node (files, kubeconfigs, CAs; with --deep also what :6443 and :2379 serve), soonest expiry first; changes nothing.',
      ),
    bundledPlaybook('check.yaml'),
    io.env,
  )
    .addOption(durationFlag('--warn <duration>', 'exit 10 when a certificate has less than this left', '30d'))
    .addOption(
      durationFlag('--critical <duration>', 'exit 11 when a certificate has less than this left, or has expired', '7d'),
    )
    .option(
      '--deep',
      'also match each private key with its certificate and, on masters, read what :6443 and :2379 serve and whether each component restarted since its files changed (two more round trips a master, ~10 openssl a node)',
    )
    .option(
      '--prometheus <file>',
      'write a node-exporter textfile (x509-certificate-exporter metric names) to this file',
    )
    .addOption(
      new Option(
        '-o, --output <view>',
        'summary: one line per cluster, then what needs a look; wide: every certificate',
      )
        .choices(['summary', 'wide'])
        .default('summary'),
    )
    .option('--all', 'every certificate of every node (same as -o wide)')
    .option('--only-problems', 'leave out clusters, nodes and certificates that need nothing')
    // Accepted and ignored: check is always read-only (a habit carried over from renew --dry-run).
    .addOption(new Option('--dry-run').hideHelp())
    .addHelpText('after', CHECK_HELP)
    .action(async (flags: RunFlags) => {
      const all = { ...renewDefaults, ...flags } as RunFlags;
      setExit(await runCommand('check', all, io, recordingRuns(deps, 'check', all.outputDir, io)));
    });

  const inventory = program.command('inventory').description('Inventory tools.');
  inventory
    .command('validate')
    .description('Loads and validates an inventory file; connects to nothing.')
    .argument('[file]', 'inventory YAML (or --inventory)')
    .option('-i, --inventory <file>', 'inventory YAML, as for renew and check')
    .addHelpText('after', '\nPrints "ok: N clusters, M hosts", or one line naming file:line:col and exits 4.')
    .action(async (file: string | undefined, flags: { inventory?: string }) =>
      setExit(await inventoryValidate(inventoryFile(file, flags.inventory), io, deps)),
    );
  inventory
    .command('list')
    .description("Shows every host's effective SSH settings after inheritance and ~/.ssh/config; connects to nothing.")
    .argument('[file]', 'inventory YAML (or --inventory)')
    .option('-i, --inventory <file>', 'inventory YAML, as for renew and check')
    .option('-c, --cluster <name>', 'only this cluster (repeatable; comma-separated lists too)', collect)
    .option('-l, --limit <host>', 'only this host (repeatable; comma-separated lists too)', collect)
    .option('--json', 'print the resolved inventory as JSON on stdout')
    .action(async (file: string | undefined, flags: InventoryListFlags & { inventory?: string }) =>
      setExit(await inventoryList(inventoryFile(file, flags.inventory), flags, io, deps)),
    );
  addInventoryImportCommand(inventory, io, deps, setExit);
  addVersionCommand(program, io);
  addCompletionCommands(program, io, deps, setExit);
  program.helpCommand('help [command]', 'show the help of a command');
  // Before the environment defaults: a flag written before the subcommand beats KCR_*.
  forwardOptionsToSubcommand(program);
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
