// The per-user state folder (XDG Base Directory): the default --output-dir. It holds the local
// copies of secrets a restore needs (tke/certs) and a record of every run, so it is private
// (0700) and never the current directory, where keys would land in a checkout or a shared folder.
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../playbook/results.js';
import { summaryToJson } from '../report/json.js';

export const STATE_DIR_HELP = '$XDG_STATE_HOME/kube-cert-renew, else ~/.local/state/kube-cert-renew';

/** $XDG_STATE_HOME/kube-cert-renew, or ~/.local/state/kube-cert-renew (a relative XDG value is ignored, as the spec says). */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || homedir(), '.local', 'state');
  return path.join(base, 'kube-cert-renew');
}

/** `20261203T075901Z`: sortable, and safe in a file name. */
export function fileStamp(date: Date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Keeps the run's summary (the `--json` document) as `<dir>/runs/<time>-<command>[-dry-run].json`,
 * mode 0600 in a 0700 folder. Returns the file written.
 */
export async function recordRun(summary: RunSummary, dir: string, command: string): Promise<string> {
  const runs = path.join(dir, 'runs');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await mkdir(runs, { recursive: true, mode: 0o700 });
  const kind = command === 'renew' && summary.dryRun ? `${command}-dry-run` : command;
  const base = path.join(runs, `${fileStamp()}-${kind}`);
  // Two runs in the same second (a plan, then the run) must not overwrite each other.
  for (let n = 0; ; n++) {
    const file = n === 0 ? `${base}.json` : `${base}-${n}.json`;
    try {
      await writeFile(file, summaryToJson(summary), { mode: 0o600, flag: 'wx' });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 100) throw err;
    }
  }
}
