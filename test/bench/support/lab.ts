// The bench drives the lab only through its command line (never its code), as the e2e tests do.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabStatus } from '../../lab/infra/status.js';

export type { LabStatus } from '../../lab/infra/status.js';

/** The repository root: dist/test/bench/support -> four levels up. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const labCli = path.join(repoRoot, 'dist/test/lab/cli.js');
/** What users run: the npm package's single-file bundle (`npm run bundle`; the bench makes it first). */
export const toolCli = path.join(repoRoot, 'dist/kube-cert-renew.cjs');
export const bundleScript = path.join(repoRoot, 'scripts/bundle.mjs');
export const floorCli = path.join(repoRoot, 'dist/test/bench/ssh2-floor.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, collecting its output (no shell). */
export function run(cmd: string, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: `${stderr}${err.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** One lab, brought up from a topology file and always taken down by its owner. */
export class BenchLab {
  private constructor(readonly dir: string) {}

  /** A lab folder under the bench's work folder; `down` is safe even when `up` failed half way. */
  static create(workDir: string, name: string): BenchLab {
    return new BenchLab(mkdtempSync(path.join(workDir, `lab-${name}-`)));
  }

  get inventory(): string {
    return path.join(this.dir, 'inventory.yaml');
  }
  get identityFile(): string {
    return path.join(this.dir, 'id_ed25519');
  }
  get knownHosts(): string {
    return path.join(this.dir, 'known_hosts');
  }

  async up(topologyFile: string): Promise<number> {
    const started = Date.now();
    const res = await run(process.execPath, [labCli, 'up', '--topology', topologyFile, '--dir', this.dir, '--quiet']);
    if (res.code !== 0)
      throw new Error(
        `lab up ${path.basename(topologyFile)} failed (exit ${res.code}): ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    return Date.now() - started;
  }

  async status(): Promise<LabStatus> {
    const res = await run(process.execPath, [labCli, 'status', '--dir', this.dir, '--json']);
    if (res.code !== 0) throw new Error(`lab status failed: ${res.stderr.trim()}`);
    return JSON.parse(res.stdout) as LabStatus;
  }

  async down(): Promise<void> {
    await run(process.execPath, [labCli, 'down', '--dir', this.dir]);
  }
}

export function benchWorkDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'kcr-bench-'));
}
