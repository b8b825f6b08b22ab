// Defaults from the environment, for CI jobs that set them once (docs/install.md): KCR_INVENTORY
// and friends. An explicit flag wins over the variable, the variable over the built-in default;
// --help shows "(env: KCR_...)". Only valued flags: a yes/no switch such as --yes or --dry-run
// stays on the command line, where a reviewer sees it. Read from the CLI's io.env (not commander's
// own .env(), which reads process.env), so tests drive it like the rest of runCli.
import { CommanderError, type Command } from 'commander';
import { UsageError } from '../errors.js';

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
  '--keep-backups': 'KCR_KEEP_BACKUPS',
  '--renew-within': 'KCR_RENEW_WITHIN',
  '--health-timeout': 'KCR_HEALTH_TIMEOUT',
  '--kubeadm-timeout': 'KCR_KUBEADM_TIMEOUT',
  '--restart-timeout': 'KCR_RESTART_TIMEOUT',
  '--etcd-start-timeout': 'KCR_ETCD_START_TIMEOUT',
  '--max-clock-skew': 'KCR_MAX_CLOCK_SKEW',
  '--warn': 'KCR_WARN',
  '--critical': 'KCR_CRITICAL',
  '--prometheus': 'KCR_PROMETHEUS',
};

const variableOf = (long: string | undefined): string | undefined =>
  long === undefined ? undefined : ENV_DEFAULTS[long];

/** Names the variables in the help of `program` and its subcommands, and applies them from `env` before each action. */
export function applyEnvDefaults(program: Command, env: NodeJS.ProcessEnv): void {
  const describe = (cmd: Command): void => {
    for (const option of cmd.options) {
      const variable = variableOf(option.long);
      if (variable !== undefined) option.description = `${option.description} (env: ${variable})`;
    }
    cmd.commands.forEach(describe);
  };
  describe(program);
  program.hook('preAction', (_program, action) => {
    for (const option of action.options) {
      const variable = variableOf(option.long);
      const value = variable === undefined ? undefined : env[variable];
      if (variable === undefined || value === undefined || value === '') continue;
      const key = option.attributeName();
      const source = action.getOptionValueSource(key);
      if (source !== undefined && source !== 'default') continue; // given on the command line
      try {
        action.setOptionValueWithSource(key, option.parseArg ? option.parseArg(value, undefined) : value, 'env');
      } catch (err) {
        if (err instanceof CommanderError)
          throw new UsageError(
            `${variable}=${value}: ${err.message}`,
            `the value of ${variable} is used as ${option.long}`,
          );
        throw err;
      }
    }
  });
}
