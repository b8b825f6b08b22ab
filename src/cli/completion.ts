// `renew completion bash|zsh|fish`: a completion script for commands, flags, and the cluster and
// host names of the inventory on the command line (or $KCR_INVENTORY). The names come from the
// tool itself (hidden `renew __complete clusters|hosts FILE [CLUSTER...]`), so the inventory is
// read by the real loader, never parsed by the shell. Commands and flags are taken from the
// commander program, so the scripts cannot drift from --help.
import { Argument, type Command } from 'commander';
import type { CliDeps, CliIo } from './io.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** Flags whose value is a name from the inventory, a file, a folder, or one of a few words. */
const CLUSTER_FLAGS = ['-c', '--cluster'];
const HOST_FLAGS = ['-l', '--limit'];
const INVENTORY_FLAGS = ['-i', '--inventory'];
const DIR_FLAGS = ['--output-dir'];

interface CommandWords {
  /** '' for the program itself. */
  name: string;
  description: string;
  flags: string[];
  /** Flags that take a value (the next word is not a command). */
  valued: string[];
  /** Flags with a fixed set of values (--log-level). */
  choices: Record<string, string[]>;
  /** File-valued flags (all valued flags that are neither names, folders nor choices). */
  fileFlags: string[];
}

function commandWords(cmd: Command, name: string): CommandWords {
  const flags: string[] = ['-h', '--help'];
  const valued: string[] = [];
  const choices: Record<string, string[]> = {};
  const fileFlags: string[] = [];
  for (const o of cmd.options) {
    const names = [o.short, o.long].filter((f): f is string => f !== undefined);
    flags.push(...names);
    if (!o.required && !o.optional) continue;
    valued.push(...names);
    if (o.argChoices) for (const n of names) choices[n] = o.argChoices;
    else if (o.long && ['--playbook', '--junit', '--log-file', '--prometheus'].includes(o.long))
      fileFlags.push(...names);
  }
  return { name, description: cmd.description(), flags, valued, choices, fileFlags };
}

/** The program and its visible subcommands (hidden helpers are not offered). */
function allCommands(program: Command): CommandWords[] {
  const visible = program.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden);
  return [commandWords(program, ''), ...visible.map((c) => commandWords(c, c.name()))];
}

const shellWords = (words: readonly string[]): string => words.join(' ');

export function bashScript(program: Command): string {
  const cmds = allCommands(program);
  const names = cmds.filter((c) => c.name !== '').map((c) => c.name);
  const flagCases = cmds
    .map((c) => `    ${c.name === '' ? "''" : c.name}) flags='${shellWords(c.flags)}' ;;`)
    .join('\n');
  const valued = [...new Set(cmds.flatMap((c) => c.valued))];
  const choiceCases = [
    ...new Set(
      cmds.flatMap((c) =>
        Object.entries(c.choices).map(
          ([f, v]) => `    ${f}) COMPREPLY=($(compgen -W '${shellWords(v)}' -- "$cur")); return ;;`,
        ),
      ),
    ),
  ].join('\n');
  const fileFlags = [...new Set(cmds.flatMap((c) => c.fileFlags))];
  const progName = program.name();
  return `# bash completion for ${progName} (kube-cert-renew). Load it with:
#   source <(${progName} completion bash)
# Cluster and host names come from the inventory on the command line, else $KCR_INVENTORY.
_${progName}_names() {
  # $1: clusters | hosts; the inventory and the clusters chosen so far are read from COMP_WORDS.
  local inv="\${KCR_INVENTORY:-}" i w next
  local -a clusters=()
  for ((i = 1; i < \${#COMP_WORDS[@]}; i++)); do
    w="\${COMP_WORDS[i]}"; next="\${COMP_WORDS[i + 1]:-}"
    [[ $i -eq $COMP_CWORD ]] && continue
    case "$w" in
      ${INVENTORY_FLAGS.join('|')}) inv="$next" ;;
      --inventory=*) inv="\${w#--inventory=}" ;;
      ${CLUSTER_FLAGS.join('|')}) [[ $((i + 1)) -ne $COMP_CWORD ]] && clusters+=("\${next//,/ }") ;;
    esac
  done
  [[ -n "$inv" ]] || return 0
  [[ "$inv" == "~/"* ]] && inv="$HOME/\${inv#"~/"}"
  # shellcheck disable=SC2068 # cluster lists are split on purpose (names have no spaces)
  "\${COMP_WORDS[0]}" __complete "$1" "$inv" \${clusters[@]} 2>/dev/null
}

_${progName}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" sub="" i w flags
  ((COMP_CWORD > 0)) && prev="\${COMP_WORDS[COMP_CWORD - 1]}"
  # The subcommand: the first word that is a command and not the value of a flag.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case " ${shellWords(valued)} " in *" \${COMP_WORDS[i - 1]} "*) continue ;; esac
    case " ${shellWords(names)} " in *" $w "*) sub="$w"; break ;; esac
  done
  case "$prev" in
    ${CLUSTER_FLAGS.join('|')}|${HOST_FLAGS.join('|')})
      local kind=clusters head=""
      case "$prev" in ${HOST_FLAGS.join('|')}) kind=hosts ;; esac
      # Comma-separated lists: complete the last name.
      [[ "$cur" == *,* ]] && head="\${cur%,*},"
      local -a found=()
      mapfile -t found < <(_${progName}_names "$kind")
      COMPREPLY=($(compgen -P "$head" -W "\${found[*]}" -- "\${cur##*,}"))
      return ;;
    ${[...INVENTORY_FLAGS, ...fileFlags].join('|')})
      compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${DIR_FLAGS.join('|')})
      compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return ;;
${choiceCases}
  esac
  case "$sub" in
    inventory)
      if [[ "$prev" == inventory ]]; then COMPREPLY=($(compgen -W 'validate' -- "$cur")); else compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); fi
      return ;;
    completion) COMPREPLY=($(compgen -W '${shellWords(SHELLS)}' -- "$cur")); return ;;
  esac
  case "$sub" in
${flagCases}
  esac
  if [[ "$cur" == -* || -n "$sub" ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else COMPREPLY=($(compgen -W "${shellWords(names)} $flags" -- "$cur")); fi
}
complete -F _${progName} ${progName} kube-cert-renew
`;
}

/** zsh runs the bash function through its bashcompinit layer (same behaviour, one script to keep right). */
export function zshScript(program: Command): string {
  const progName = program.name();
  return `#compdef ${progName} kube-cert-renew
# zsh completion for ${progName}. Load it with:
#   source <(${progName} completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(program)}`;
}

const fishQuote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function fishScript(program: Command): string {
  const progName = program.name();
  const cmds = allCommands(program);
  const names = cmds.filter((c) => c.name !== '').map((c) => c.name);
  const lines: string[] = [
    `# fish completion for ${progName}. Load it with:`,
    `#   ${progName} completion fish | source`,
    `function __${progName}_names`,
    `    # $argv[1]: clusters | hosts; the inventory and clusters are read from the command line.`,
    `    set -l tokens (commandline -opc)`,
    `    set -l inv $KCR_INVENTORY`,
    `    set -l clusters`,
    `    for i in (seq 2 (count $tokens))`,
    `        set -l next ''`,
    `        test $i -lt (count $tokens); and set next $tokens[(math $i + 1)]`,
    `        switch $tokens[$i]`,
    `            case ${INVENTORY_FLAGS.join(' ')}`,
    `                set inv $next`,
    `            case '--inventory=*'`,
    `                set inv (string replace -- '--inventory=' '' $tokens[$i])`,
    `            case ${CLUSTER_FLAGS.join(' ')}`,
    `                test -n "$next"; and set clusters $clusters (string split , -- $next)`,
    `        end`,
    `    end`,
    `    test -n "$inv"; or return 0`,
    `    $tokens[1] __complete $argv[1] $inv $clusters 2>/dev/null`,
    `end`,
    `complete -c ${progName} -f`,
  ];
  const root = `not __fish_seen_subcommand_from ${shellWords(names)}`;
  for (const c of cmds) {
    if (c.name !== '')
      lines.push(
        `complete -c ${progName} -n ${fishQuote(`__fish_use_subcommand`)} -a ${c.name} -d ${fishQuote(c.description)}`,
      );
  }
  for (const c of cmds) {
    const when = c.name === '' ? root : `__fish_seen_subcommand_from ${c.name}`;
    const longs = c.flags.filter((f) => f.startsWith('--'));
    for (const long of longs) {
      const short = c.flags.find((f) => !f.startsWith('--') && pairedShort(program, c.name, long) === f);
      const parts = [
        `complete -c ${progName} -n ${fishQuote(when)}`,
        short ? `-s ${short.slice(1)}` : '',
        `-l ${long.slice(2)}`,
      ];
      if (CLUSTER_FLAGS.includes(long)) parts.push(`-x -a ${fishQuote(`(__${progName}_names clusters)`)}`);
      else if (HOST_FLAGS.includes(long)) parts.push(`-x -a ${fishQuote(`(__${progName}_names hosts)`)}`);
      else if (c.choices[long]) parts.push(`-x -a ${fishQuote(shellWords(c.choices[long]))}`);
      else if (INVENTORY_FLAGS.includes(long) || DIR_FLAGS.includes(long) || c.fileFlags.includes(long))
        parts.push('-r -F');
      else if (c.valued.includes(long)) parts.push('-x');
      lines.push(parts.filter((p) => p !== '').join(' '));
    }
  }
  lines.push(
    `complete -c ${progName} -n ${fishQuote('__fish_seen_subcommand_from completion')} -x -a ${fishQuote(shellWords(SHELLS))}`,
  );
  lines.push(
    `complete -c ${progName} -n ${fishQuote('__fish_seen_subcommand_from inventory; and not __fish_seen_subcommand_from validate')} -x -a validate`,
  );
  lines.push(`complete -c ${progName} -n ${fishQuote('__fish_seen_subcommand_from validate')} -r -F`);
  lines.push(`complete -c kube-cert-renew -w ${progName}`);
  return `${lines.join('\n')}\n`;
}

/** The short flag that goes with `long` on a command ('' is the program), if any. */
function pairedShort(program: Command, name: string, long: string): string | undefined {
  const cmd = name === '' ? program : program.commands.find((c) => c.name() === name);
  return long === '--help' ? '-h' : cmd?.options.find((o) => o.long === long)?.short;
}

/** Cluster or host names of an inventory, one a line; silent (and exit 0) when it cannot be read. */
export async function completeNames(
  kind: string,
  file: string,
  clusters: string[],
  io: CliIo,
  deps: Pick<CliDeps, 'loadInventory'>,
): Promise<number> {
  try {
    const inv = await deps.loadInventory(file);
    const chosen = clusters.length > 0 ? inv.clusters.filter((c) => clusters.includes(c.name)) : inv.clusters;
    const names =
      kind === 'clusters'
        ? inv.clusters.map((c) => c.name)
        : chosen.flatMap((c) => [...c.masters, ...c.workers].map((h) => h.name));
    if (names.length > 0) io.stdout.write(`${names.join('\n')}\n`);
  } catch {
    // A half-written inventory must not spill errors into the operator's prompt.
  }
  return 0;
}

export function addCompletionCommands(
  program: Command,
  io: CliIo,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  const scripts: Record<Shell, (p: Command) => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };
  program
    .command('completion')
    .description(
      'Prints a shell completion script: commands, flags, and cluster and host names from the inventory given.',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      `\nbash: source <(renew completion bash)   (or save it in /etc/bash_completion.d/renew)\nzsh:  source <(renew completion zsh)\nfish: renew completion fish | source   (or save it in ~/.config/fish/completions/renew.fish)`,
    )
    .action((shell: Shell) => {
      io.stdout.write(scripts[shell](program));
    });
  program
    .command('__complete', { hidden: true })
    .argument('<kind>', 'clusters | hosts')
    .argument('<inventory>', 'inventory YAML')
    .argument('[clusters...]', 'only the hosts of these clusters')
    .action(async (kind: string, file: string, clusters: string[]) =>
      setExit(await completeNames(kind, file, clusters, io, deps)),
    );
}
