// Helpers for the lab's own infra tests: run the compiled lab CLI, ssh into nodes, list leftovers.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labUnavailableReason } from '../infra/preflight.js';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const cliJs = path.join(repo, 'dist/test/lab/cli.js');
export const topologies = path.join(repo, 'test/lab/topologies');

/** Why lab tests cannot run here (printed when they are skipped), or null. */
export const labSkipReason: string | null = await labUnavailableReason();

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` when dist/test/lab is older than test/lab's sources (the lab runs compiled code). */
export function ensureBuilt(): void {
  const built = fs.existsSync(cliJs) ? fs.statSync(cliJs).mtimeMs : 0;
  if (built >= newestSource(path.join(repo, 'test/lab'))) return;
  // tsc still emits when another part has a type error; the lab's own files are what matter here.
  spawnSync('npm', ['run', 'build'], { cwd: repo, stdio: 'ignore' });
  if (!fs.existsSync(cliJs)) throw new Error('npm run build did not produce dist/test/lab/cli.js');
}

export function labDir(name: string): string {
  const dir = path.join(repo, '.lab', 'tests', `${name}-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function lab(args: string[], timeoutMs = 170_000): CliResult {
  const r = spawnSync(process.execPath, [cliJs, ...args], { cwd: repo, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** Async variant (two labs at once). */
export function labAsync(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliJs, ...args], { cwd: repo });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

export function sshArgs(dir: string, user: string, address: string, extra: string[] = []): string[] {
  return [
    '-i',
    path.join(dir, 'id_ed25519'),
    '-o',
    `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    ...extra,
    `${user}@${address}`,
  ];
}

export function ssh(dir: string, user: string, address: string, command: string, input?: string): CliResult {
  const r = spawnSync('ssh', [...sshArgs(dir, user, address), command], { encoding: 'utf8', timeout: 30_000, input });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

export interface LabJson {
  slot: number;
  mirrorPort: number;
  mirrorPid: number;
  nodes: { name: string; address: string; netns: string; anchorPid: number; sshdPid: number; role: string }[];
}

export const readLabJson = (dir: string): LabJson =>
  JSON.parse(fs.readFileSync(path.join(dir, 'lab.json'), 'utf8')) as LabJson;

/** kcrlab netns and links of a slot still present on the host. */
export function leftovers(slot: number): string[] {
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`kcrlab${slot}-`));
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n.startsWith(`kcrlab${slot}v`) || n === `kcrlab${slot}br`);
  const slotDir = fs.existsSync(`/run/kcrlab/slots/${slot}`) ? [`/run/kcrlab/slots/${slot}`] : [];
  return [...netns, ...links, ...slotDir];
}

/** Pids of every process in the slot's network namespaces. */
export function slotPids(slot: number): number[] {
  const inodes = new Set<string>();
  for (const n of fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : []) {
    if (n.startsWith(`kcrlab${slot}-`)) inodes.add(`net:[${fs.statSync(`/run/netns/${n}`).ino}]`);
  }
  const pids: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (inodes.has(fs.readlinkSync(`/proc/${e}/ns/net`))) pids.push(Number(e));
    } catch {
      /* exited */
    }
  }
  return pids;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** Takes the lab down and removes its folder (etcd data runs to hundreds of MB); KCRLAB_KEEP=1 keeps it. */
export function destroyLab(dir: string): void {
  lab(['down', '--dir', dir]);
  if (!process.env.KCRLAB_KEEP) fs.rmSync(dir, { recursive: true, force: true });
}
