// Shared by the inventory tests: a temporary folder per test with the files a case needs.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { loadInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';

const folders: string[] = [];

afterEach(async () => {
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })));
});

export interface Sandbox {
  dir: string;
  /** A fake home folder (for `~`), with .ssh/id_ed25519 and .ssh/known_hosts present. */
  home: string;
  /** Writes `content` at `name` (relative to dir) and returns its absolute path. */
  write(name: string, content: string | Buffer): Promise<string>;
}

export async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'kcr-inventory-'));
  folders.push(dir);
  const home = join(dir, 'home');
  await mkdir(join(home, '.ssh'), { recursive: true });
  // Not a real key: the loader only checks that the file is readable, it never reads it.
  await writeFile(join(home, '.ssh', 'id_ed25519'), 'placeholder\n', { mode: 0o600 });
  await writeFile(join(home, '.ssh', 'known_hosts'), '');
  const write = async (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
    return path;
  };
  return { dir, home, write };
}

/** Joins lines with "\n" (and a final one), so line numbers in a case read off the array. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

export interface LoadTextOptions {
  env?: NodeJS.ProcessEnv;
  /** Other files to create first, relative to the sandbox. */
  files?: Record<string, string>;
  /** Where to write the inventory, relative to the sandbox (default inv.yaml). */
  name?: string;
}

/** Writes `text` as an inventory in a new sandbox and loads it (home: the sandbox's; env: {} by default). */
export async function loadText(text: string, options: LoadTextOptions = {}): Promise<{ inv: Inventory; box: Sandbox }> {
  const box = await sandbox();
  for (const [name, content] of Object.entries(options.files ?? {})) await box.write(name, content);
  const file = await box.write(options.name ?? 'inv.yaml', text);
  return { inv: await loadInventory(file, { home: box.home, env: options.env ?? {} }), box };
}
