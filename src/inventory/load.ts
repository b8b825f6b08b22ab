// Loads an inventory file: read and parse (src/yaml), validate (zod schema), cross-checks, then
// inheritance. The first problem found, in file order, is thrown as one `file:line:col` InputError.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { inputErrorAt } from '../yaml/positions.js';
import { parseYamlFile } from '../yaml/source.js';
import { validateYaml, type KeyDescription } from '../yaml/zod-issues.js';
import { checkKubeadm, checkLocalFiles, checkUniqueEndpoints, checkUniqueNames } from './checks.js';
import { BUILT_IN, expandLocalPath, resolveInventory } from './resolve.js';
import { loadSshConfig, type SshConfig } from './ssh-config.js';
import type { InputError } from '../errors.js';
import { INLINE_SECRET_KEYS, inventorySchema, type RawInventory } from './schema.js';
import type { Inventory } from './types.js';

export interface LoadInventoryOptions {
  /** Refuse files larger than this (default 5 MiB). */
  maxBytes?: number;
  /** Environment for `agent: true` (SSH_AUTH_SOCK); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home folder for `~`; default the operator's. */
  home?: string;
  /**
   * Files this machine must be able to read (identity and known_hosts files, the agent socket):
   * `refuse` (default) throws at the first unreadable one; `collect` passes them to `onLocalProblem`
   * (inventory validate: the file is valid wherever it is checked, the key may live elsewhere).
   */
  localFiles?: 'refuse' | 'collect';
  onLocalProblem?: (problem: InputError) => void;
}

/** Loads, validates and resolves `file`; throws InputError (exit code 4) naming file:line:col. */
export async function loadInventory(file: string, options: LoadInventoryOptions = {}): Promise<Inventory> {
  const source = await parseYamlFile(file, { maxBytes: options.maxBytes });
  const value = source.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw inputErrorAt(
      source,
      [],
      'the inventory must be a mapping with a "clusters" list',
      'start the file with "clusters:"; see inventories/example.yaml',
    );
  }
  const raw = validateYaml(source, inventorySchema, { unknownKey: inlineSecretKey });
  checkUniqueNames(source, raw);
  checkKubeadm(source, raw);
  const home = options.home ?? homedir();
  const env = options.env ?? process.env;
  const absolute = resolve(file);
  const baseDir = dirname(absolute);
  const sshConfigs = await readSshConfigs(raw, baseDir, home);
  const { inventory, hostPaths } = resolveInventory(raw, { file: absolute, baseDir, home, env, sshConfigs });
  checkUniqueEndpoints(source, hostPaths);
  // Last: the only check that depends on this machine rather than on the file.
  await checkLocalFiles(
    source,
    raw,
    { baseDir, home, env },
    options.localFiles === 'collect' ? (options.onLocalProblem ?? (() => {})) : undefined,
  );
  return inventory;
}

/** An inline secret is refused by its key alone: its value is never read into a message. */
function inlineSecretKey(key: string, knownKeys: string[]): KeyDescription | undefined {
  if (!Object.hasOwn(INLINE_SECRET_KEYS, key)) return undefined;
  const replacement = INLINE_SECRET_KEYS[key];
  const hint =
    replacement && knownKeys.includes(replacement)
      ? `put the secret in an environment variable and write "${replacement}: VARIABLE_NAME"`
      : 'remove it: secrets come from environment variables named by passwordEnv / passphraseEnv, keys from identityFile';
  return { message: `inline secret "${key}" is not allowed`, hint };
}

/** Every OpenSSH config the inventory names (each must exist), and ~/.ssh/config when it exists. */
async function readSshConfigs(raw: RawInventory, baseDir: string, home: string): Promise<Map<string, SshConfig>> {
  const named = [
    raw.defaults?.ssh,
    ...raw.clusters.flatMap((c) => [c.ssh, ...[...c.masters, ...(c.workers ?? [])].map((h) => h.ssh)]),
  ]
    .map((ssh) => ssh?.configFile)
    .filter((f): f is string => typeof f === 'string')
    .map((f) => expandLocalPath(f, baseDir, home));
  const fallback = expandLocalPath(BUILT_IN.sshConfigFile, baseDir, home);
  const files = new Set([...named, ...(existsSync(fallback) ? [fallback] : [])]);
  const configs = new Map<string, SshConfig>();
  for (const file of files) configs.set(file, await loadSshConfig(file, home));
  return configs;
}
