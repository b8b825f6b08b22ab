// Loads an inventory file: read and parse (src/yaml), validate (zod schema), cross-checks, then
// inheritance. The first problem found, in file order, is thrown as one `file:line:col` InputError.
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { inputErrorAt } from '../yaml/positions.js';
import { parseYamlFile } from '../yaml/source.js';
import { validateYaml, type KeyDescription } from '../yaml/zod-issues.js';
import { checkKubeadm, checkLocalFiles, checkUniqueEndpoints, checkUniqueNames } from './checks.js';
import { resolveInventory } from './resolve.js';
import { INLINE_SECRET_KEYS, inventorySchema } from './schema.js';
import type { Inventory } from './types.js';

export interface LoadInventoryOptions {
  /** Refuse files larger than this (default 5 MiB). */
  maxBytes?: number;
  /** Environment for `agent: true` (SSH_AUTH_SOCK); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home folder for `~`; default the operator's. */
  home?: string;
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
  const { inventory, hostPaths } = resolveInventory(raw, { file: absolute, baseDir, home, env });
  checkUniqueEndpoints(source, hostPaths);
  // Last: the only check that depends on this machine rather than on the file.
  await checkLocalFiles(source, raw, { baseDir, home, env });
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
