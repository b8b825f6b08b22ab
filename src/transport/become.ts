// Privilege escalation with sudo, never with the password on a command line.
// - No password configured: `sudo -n -H -- ...` (fails fast instead of waiting for a prompt).
// - `passwordEnv`: `sudo -S -H -p <random prompt> -- ...`; the launch watcher (launch.ts) writes the
//   password to stdin only when that prompt shows on stderr.
import { randomBytes } from 'node:crypto';
import { StepError, type ErrorContext } from '../errors.js';
import type { Host } from '../inventory/types.js';
import { secretFromEnv } from './ssh-auth.js';

export interface SudoPassword {
  value: string;
  /** Name of the variable it came from (for messages). */
  env: string;
  /** The unique prompt sudo prints before reading it. */
  prompt: string;
}

export interface BecomePlan {
  /** argv prefix: empty, or sudo and its options ending with `--`. */
  prefix: string[];
  password?: SudoPassword;
}

/** Whether commands must go through sudo for this host. */
export function needsBecome(host: Host, requested: boolean | undefined): boolean {
  return requested === true && host.become.enabled && host.ssh.user !== 'root';
}

export function planBecome(
  host: Host,
  requested: boolean | undefined,
  context: ErrorContext,
  env: NodeJS.ProcessEnv = process.env,
): BecomePlan {
  if (!needsBecome(host, requested)) return { prefix: [] };
  const passwordEnv = host.become.passwordEnv;
  if (!passwordEnv) return { prefix: ['sudo', '-n', '-H', '--'] };
  const value = secretFromEnv(passwordEnv, 'sudo password', (m) => new StepError(m, context), env);
  // Hex only: sudo expands %-escapes in prompts.
  const prompt = `[kcr-sudo-${randomBytes(12).toString('hex')}] password: `;
  return { prefix: ['sudo', '-S', '-H', '-p', prompt, '--'], password: { value, env: passwordEnv, prompt } };
}
