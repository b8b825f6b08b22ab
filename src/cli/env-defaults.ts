// Defaults from the environment, for CI jobs that set them once (docs/install.md): KCR_INVENTORY
// and friends. Commander applies them (an explicit flag wins over the variable, the variable over
// the built-in default) and shows "(env: KCR_...)" in --help. Only valued flags: a yes/no switch
// such as --yes or --dry-run stays on the command line, where a reviewer sees it.
import type { Command } from 'commander';

/** Flag (long name) -> variable. The same variable for `renew` and `check`. */
export const ENV_DEFAULTS: Readonly<Record<string, string>> = {
  '--inventory': 'KCR_INVENTORY',
  '--cluster': 'KCR_CLUSTER',
  '--limit': 'KCR_LIMIT',
  '--playbook': 'KCR_PLAYBOOK',
  '--forks': 'KCR_FORKS',
  '--junit': 'KCR_JUNIT',
  '--log-file': 'KCR_LOG_FILE',
  '--log-level': 'KCR_LOG_LEVEL',
  '--output-dir': 'KCR_OUTPUT_DIR',
  '--renew-within': 'KCR_RENEW_WITHIN',
  '--health-timeout': 'KCR_HEALTH_TIMEOUT',
  '--max-clock-skew': 'KCR_MAX_CLOCK_SKEW',
  '--warn': 'KCR_WARN',
  '--critical': 'KCR_CRITICAL',
  '--prometheus': 'KCR_PROMETHEUS',
};

/** Attaches the variables to the flags of `cmd` and of its subcommands, recursively. */
export function applyEnvDefaults(cmd: Command): void {
  for (const option of cmd.options) {
    const variable = option.long === undefined ? undefined : ENV_DEFAULTS[option.long];
    if (variable !== undefined) option.env(variable);
  }
  for (const sub of cmd.commands) applyEnvDefaults(sub);
}
