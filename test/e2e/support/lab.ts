// End-to-end tests drive the lab only through its command line (never its code) and judge the
// tool's work by `lab status --json` and the files on the nodes, not by the tool's own report.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const labCli = path.join(repoRoot, 'dist/test/lab/cli.js');
const toolCli = path.join(repoRoot, 'dist/src/cli/main.js');

/** Lab tests need root and network namespaces; elsewhere they are skipped with this reason. */
export function labUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'lab tests need root (network namespaces)';
  if (!existsSync('/usr/sbin/sshd') || !existsSync('/usr/bin/etcd'))
    return 'lab tests need openssh-server and etcd-server (run .ci/setup)';
  return undefined;
}

// The shape of `lab status --json`: the lab's own type, imported for its shape only (no code).
export type { ClusterStatus, ComponentStatus, LabStatus, NodeStatus } from '../../lab/infra/status.js';
import type { LabStatus } from '../../lab/infra/status.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Lab {
  private constructor(readonly dir: string) {}

  /** `env`: extra environment for `lab up` only (e.g. KCRLAB_KUBELET_STARTED_BEFORE_EXPIRY=1, test/lab/README.md). */
  static async up(topology: string, opts: { name?: string; env?: Record<string, string> } = {}): Promise<Lab> {
    // The run's id (test/global-setup.ts) in the name: its teardown takes down only its own labs.
    const dir = mkdtempSync(
      path.join(os.tmpdir(), `kcr-e2e-${process.env.KCR_E2E_RUN_ID ?? 'solo'}-${opts.name ?? 'lab'}-`),
    );
    let file = topology;
    if (topology.includes('\n')) {
      file = path.join(dir, 'topology.yaml');
      writeFileSync(file, topology);
    } else if (!path.isAbsolute(topology)) file = path.join(repoRoot, 'test/lab/topologies', topology);
    const lab = new Lab(dir);
    const res = await lab.lab(['up', '--topology', file, '--dir', dir, '--quiet'], opts.env);
    if (res.code !== 0) {
      await lab.down();
      throw new Error(`lab up failed (${res.code}): ${res.stderr.slice(-2000)}`);
    }
    return lab;
  }

  get inventory(): string {
    return path.join(this.dir, 'inventory.yaml');
  }

  lab(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
    return run(process.execPath, [labCli, ...args], env);
  }

  async status(): Promise<LabStatus> {
    const res = await this.lab(['status', '--dir', this.dir, '--json']);
    if (res.code !== 0) throw new Error(`lab status failed: ${res.stderr}`);
    return JSON.parse(res.stdout) as LabStatus;
  }

  async exec(node: string, argv: string[]): Promise<RunResult> {
    return this.lab(['exec', '--dir', this.dir, node, '--', ...argv]);
  }

  async fault(node: string, kind: string, extra: string[] = []): Promise<void> {
    const res = await this.lab(['fault', '--dir', this.dir, node, kind, ...extra]);
    if (res.code !== 0) throw new Error(`lab fault ${kind} failed: ${res.stderr}`);
  }

  /** Takes the lab down, then removes its folder (~700 MB of node files) unless KCR_KEEP_LAB_DIRS=1. */
  async down(): Promise<void> {
    const res = await this.lab(['down', '--dir', this.dir]);
    if (res.code !== 0 || process.env.KCR_KEEP_LAB_DIRS === '1') return;
    // Never remove through a mount point: a lab whose teardown left a mount keeps its folder.
    const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((line) => (line.split(' ')[4] ?? '').startsWith(`${this.dir}/`));
    if (!mounted) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs the tool's CLI against this lab's inventory. */
  tool(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
    // The tool's state folder (run records, tke/certs copies) inside the lab's, removed with it.
    return run(process.execPath, [toolCli, ...args], { XDG_STATE_HOME: path.join(this.dir, 'state'), ...env });
  }
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}, stdin?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

export { execFileP };

/**
 * Samples `lab status` while a promise runs, to prove invariants held at every sampled moment
 * (etcd quorum, at most one API server down per cluster).
 */
export async function sampleWhile<T>(
  lab: Lab,
  work: Promise<T>,
  intervalMs = 1000,
): Promise<{ result: T; samples: LabStatus[] }> {
  const samples: LabStatus[] = [];
  let done = false;
  const sampler = (async () => {
    while (!done) {
      try {
        samples.push(await lab.status());
      } catch {
        // a failed sample is not a sample
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  const result = await work.finally(() => {
    done = true;
  });
  await sampler;
  return { result, samples };
}
