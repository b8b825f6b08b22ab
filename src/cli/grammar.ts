// Command-line habits of kubectl and git users: flags written before the subcommand
// (`renew -i prod.yaml check`), and an unknown command answered with the nearest known one.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { suggestionHint } from '../yaml/closest.js';

/** `renew check` or `renew inventory validate`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Hands the program's flags written before a subcommand to that subcommand (commander's positional
 * options would keep them on the program, where the subcommand never sees them). A flag written
 * after the subcommand wins; lists (--cluster, --limit) join. A flag the subcommand does not take is
 * a usage error, never silently dropped.
 */
export function forwardOptionsToSubcommand(program: Command): void {
  program.hook('preAction', (_program, action) => {
    if (action === program) return;
    for (const option of program.options) {
      const key = option.attributeName();
      if (program.getOptionValueSource(key) !== 'cli') continue;
      const target = action.options.find((o) => o.long === option.long);
      if (!target)
        throw new UsageError(
          `${option.long} is a flag of ${program.name()}, not of "${commandPath(action)}"`,
          `see ${commandPath(action)} --help`,
        );
      const targetKey = target.attributeName();
      const before: unknown = program.getOptionValue(key);
      const after: unknown = action.getOptionValue(targetKey);
      if (action.getOptionValueSource(targetKey) !== 'cli') action.setOptionValueWithSource(targetKey, before, 'cli');
      else if (Array.isArray(before) && Array.isArray(after))
        action.setOptionValueWithSource(targetKey, [...(before as unknown[]), ...(after as unknown[])], 'cli');
    }
  });
}

/** The error for words left over where a command was expected: `renew chek` or `renew -i f extra`. */
export function unknownCommand(program: Command, words: readonly string[]): UsageError {
  const known = program.commands
    .filter((c) => !(c as Command & { _hidden?: boolean })._hidden)
    .flatMap((c) => [c.name(), ...c.aliases()])
    .concat('help');
  const typed = words[0] ?? '';
  return new UsageError(`unknown command "${typed}"`, suggestionHint(typed, known, 'commands'));
}
