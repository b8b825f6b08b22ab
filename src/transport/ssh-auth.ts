// Turns an SshTarget's auth settings into ssh2 connect options. Secrets come from the environment
// variables the inventory names; a missing variable or an unreadable key is a clear error naming
// the variable or the file, never a value.
import { readFileSync } from 'node:fs';
import ssh2, { type ConnectConfig } from 'ssh2';
import { UnreachableError, type ErrorContext } from '../errors.js';
import type { SshTarget } from '../inventory/types.js';

export type AuthConfig = Pick<ConnectConfig, 'username' | 'privateKey' | 'passphrase' | 'agent' | 'password'>;

/** Reads a secret from the named environment variable; throws naming the variable when unset. */
export function secretFromEnv(
  name: string,
  purpose: string,
  fail: (message: string) => Error,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const value = env[name];
  if (value === undefined || value === '') throw fail(`environment variable ${name} (${purpose}) is not set`);
  return value;
}

export function authConfig(target: SshTarget, context: ErrorContext, env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const fail = (message: string) => new UnreachableError(message, context);
  const config: AuthConfig = { username: target.user };
  if (target.identityFile) {
    let key: Buffer;
    try {
      key = readFileSync(target.identityFile);
    } catch (err) {
      throw fail(
        `cannot read identity file ${target.identityFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    const passphrase = target.passphraseEnv
      ? secretFromEnv(target.passphraseEnv, 'key passphrase', fail, env)
      : undefined;
    // Parse now: ssh2 would otherwise fail later with a less clear message.
    // ssh2 is CommonJS: Node's ESM loader exposes `utils` only on the default export.
    const parsed = ssh2.utils.parseKey(key, passphrase);
    if (parsed instanceof Error) {
      const hint = /passphrase/i.test(parsed.message) && !passphrase ? '; the key is encrypted: set passphraseEnv' : '';
      throw fail(`cannot use identity file ${target.identityFile}: ${parsed.message}${hint}`);
    }
    config.privateKey = key;
    if (passphrase !== undefined) config.passphrase = passphrase;
  }
  if (target.agentSocket) config.agent = target.agentSocket;
  if (target.passwordEnv) config.password = secretFromEnv(target.passwordEnv, 'SSH password', fail, env);
  if (!config.privateKey && !config.agent && config.password === undefined) {
    throw fail(
      `no SSH authentication configured for ${target.user}@${target.address} (identity file, agent or password)`,
    );
  }
  return config;
}
