// Just enough of spf13/cobra (as kubeadm configures it: SilenceErrors, SilenceUsage) to resolve a
// command line the same way: subcommand lookup, flag parsing and its error wording.
import { KubeadmError, type Io } from './env.js';

export interface FlagDef {
  name: string;
  shorthand?: string;
  takesValue: boolean;
}

export type Flags = Map<string, string>;

export interface Command {
  name: string;
  short: string;
  /** cobra's Long: the help's first paragraph instead of short. */
  long?: string;
  aliases?: string[];
  children?: Command[];
  flags?: FlagDef[];
  /** cobra's Deprecated (printed to stderr before running). */
  deprecated?: string;
  /**
   * leaf: runs; subcmd: kubeadm's cmdutil.SubCmdRunE (errors without a valid subcommand);
   * help: not runnable, so cobra prints the help and exits 0.
   */
  kind: 'leaf' | 'subcmd' | 'help';
  run?: (flags: Flags, args: string[]) => Promise<void>;
}

export const GLOBAL_FLAGS: FlagDef[] = [
  { name: 'add-dir-header', takesValue: false },
  { name: 'log-file', takesValue: true },
  { name: 'log-file-max-size', takesValue: true },
  { name: 'one-output', takesValue: false },
  { name: 'rootfs', takesValue: true },
  { name: 'skip-headers', takesValue: false },
  { name: 'skip-log-headers', takesValue: false },
  { name: 'v', shorthand: 'v', takesValue: true },
  { name: 'help', shorthand: 'h', takesValue: false },
];

function lookupFlag(
  defs: FlagDef[],
  token: string,
): { def: FlagDef | undefined; inlineValue: string | undefined; display: string } {
  if (token.startsWith('--')) {
    const [name, ...rest] = token.slice(2).split('=');
    return {
      def: defs.find((d) => d.name === name),
      inlineValue: rest.length ? rest.join('=') : undefined,
      display: `--${name}`,
    };
  }
  const short = token.slice(1, 2);
  const rest = token.slice(2);
  return {
    def: defs.find((d) => d.shorthand === short),
    inlineValue: rest ? rest.replace(/^=/, '') : undefined,
    display: short,
  };
}

/** cobra's Find: descend through subcommand names, skipping flags (and the values of value flags). */
function find(root: Command, argv: string[]): { cmd: Command; path: Command[]; rest: string[]; positional: string[] } {
  const path = [root];
  let cmd = root;
  const rest: string[] = [];
  const positional: string[] = [];
  let descending = true;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token.startsWith('-') && token !== '-') {
      rest.push(token);
      const defs = [...(cmd.flags ?? []), ...GLOBAL_FLAGS];
      const { def, inlineValue } = lookupFlag(defs, token);
      if (def?.takesValue && inlineValue === undefined && i + 1 < argv.length) rest.push(argv[++i] as string);
      continue;
    }
    const child = descending ? cmd.children?.find((c) => c.name === token) : undefined;
    if (child) {
      cmd = child;
      path.push(child);
    } else {
      descending = false;
      rest.push(token);
      positional.push(token);
    }
  }
  return { cmd, path, rest, positional };
}

function parseFlags(cmd: Command, tokens: string[]): { flags: Flags; args: string[] } {
  const defs = [...(cmd.flags ?? []), ...GLOBAL_FLAGS];
  const flags: Flags = new Map();
  const args: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '--') {
      args.push(...tokens.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      args.push(token);
      continue;
    }
    const { def, inlineValue, display } = lookupFlag(defs, token);
    if (!def) {
      throw new KubeadmError(
        token.startsWith('--') ? `unknown flag: ${display}` : `unknown shorthand flag: '${display}' in ${token}`,
      );
    }
    if (!def.takesValue) {
      flags.set(def.name, inlineValue ?? 'true');
      continue;
    }
    let value = inlineValue;
    if (value === undefined) {
      if (i + 1 >= tokens.length)
        throw new KubeadmError(
          token.startsWith('--')
            ? `flag needs an argument: ${display}`
            : `flag needs an argument: '${display}' in ${token}`,
        );
      value = tokens[++i] as string;
    }
    flags.set(def.name, value);
  }
  return { flags, args };
}

/** The inherited persistent flags (klog's and --rootfs) as kubeadm 1.20.2 lists them in a subcommand's help. */
const GLOBAL_FLAGS_HELP = `      --add-dir-header           If true, adds the file directory to the header of the log messages
      --log-file string          If non-empty, use this log file
      --log-file-max-size uint   Defines the maximum size a log file can grow to. Unit is megabytes. If the value is 0, the maximum file size is unlimited. (default 1800)
      --one-output               If true, only write logs to their native severity level (vs also writing to each lower severity level
      --rootfs string            [EXPERIMENTAL] The path to the 'real' host root filesystem.
      --skip-headers             If true, avoid header prefixes in the log messages
      --skip-log-headers         If true, avoid headers when opening log files
  -v, --v Level                  number for the log level verbosity`;

/**
 * cobra's default help template: deprecated children are not listed (IsAvailableCommand), names are
 * sorted and padded to max(11, the longest child name, listed or not), a non-root command lists the
 * root's persistent flags under "Global Flags". Leaf flags are listed as -h only (their usage texts
 * are not simulated), and the root's help is not kubeadm's banner.
 */
function helpText(path: Command[]): string {
  const cmd = path[path.length - 1] as Command;
  const full = path.map((c) => c.name).join(' ');
  const all = cmd.children ?? [];
  const available = all.filter((c) => !c.deprecated).sort((a, b) => (a.name < b.name ? -1 : 1));
  let text = `${cmd.long ?? cmd.short}\n\nUsage:`;
  if (cmd.kind !== 'help') text += `\n  ${full} [flags]`;
  if (available.length > 0) text += `\n  ${full} [command]`;
  if (cmd.aliases?.length) text += `\n\nAliases:\n  ${[cmd.name, ...cmd.aliases].join(', ')}`;
  if (available.length > 0) {
    text += '\n\nAvailable Commands:';
    const padding = Math.max(11, ...all.map((c) => c.name.length));
    for (const c of available) text += `\n  ${c.name.padEnd(padding)} ${c.short}`;
  }
  text += `\n\nFlags:\n  -h, --help   help for ${cmd.name}`;
  if (path.length > 1) text += `\n\nGlobal Flags:\n${GLOBAL_FLAGS_HELP}`;
  if (available.length > 0) text += `\n\nUse "${full} [command] --help" for more information about a command.`;
  return `${text}\n`;
}

/** Runs a command line against the tree; errors propagate as KubeadmError (main prints them). */
export async function execute(root: Command, argv: string[], io: Io): Promise<void> {
  const { cmd, path, rest, positional } = find(root, argv);
  // legacyArgs: only the root command rejects an unknown subcommand.
  if (cmd === root && positional[0] !== undefined)
    throw new KubeadmError(`unknown command "${positional[0]}" for "${root.name}"`);
  if (cmd.deprecated) io.err(`Command "${cmd.name}" is deprecated, ${cmd.deprecated}\n`);
  const { flags, args } = parseFlags(cmd, rest);
  if (flags.get('help') === 'true' || cmd.kind === 'help') {
    io.out(helpText(path));
    return;
  }
  if (cmd.kind === 'subcmd') {
    if (args.length === 0)
      throw new KubeadmError(`missing subcommand; "${cmd.name}" is not meant to be run on its own`);
    throw new KubeadmError(`invalid subcommand: "${args[0]}"`);
  }
  await (cmd.run as NonNullable<Command['run']>)(flags, args);
}
