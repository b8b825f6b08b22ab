// A node's long-lived processes: the anchor (holder of its mount and UTS namespaces) and sshd.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { repoRoot } from './locate.js';
import { runDir } from './names.js';
import { run, sleep, type RunResult } from './proc.js';
import { boundDirs, boundFiles, sshdFiles } from './rootfs.js';

/** Inside an anchor's private mount namespace, the node's rootfs is bound here while the binds are made. */
const stagingMount = `${runDir}/mnt`;
/** The repository, when it lives under /tmp (a CI clone), is bound back over the node's private
 *  /tmp so the node programs in dist/ and node_modules stay reachable; staged here meanwhile. */
const keepMount = `${runDir}/mnt-keep`;
const repoUnderTmp = (): string => (repoRoot().startsWith('/tmp/') ? repoRoot() : '');
/** Host paths the lab created as mount points (removed by `down` when no lab is left). */
const createdMountPointsFile = `${runDir}/created-mountpoints`;

/** Environment of everything started inside a node: nothing of the caller's leaks in. */
export const nodeEnv: NodeJS.ProcessEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  USER: 'root',
  LOGNAME: 'root',
};

/** Makes the host-side mount points that do not exist, remembering which ones it made. */
export function ensureHostMountPoints(): void {
  fs.mkdirSync(stagingMount, { recursive: true });
  fs.mkdirSync(keepMount, { recursive: true });
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  for (const d of boundDirs) {
    const p = `/${d}`;
    if (fs.existsSync(p)) continue;
    fs.mkdirSync(p, { recursive: true });
    fs.appendFileSync(createdMountPointsFile, `${p}\n`);
  }
}

/** Removes the mount points the lab created, if empty (call only when no lab is left). */
export function removeCreatedMountPoints(): void {
  let list: string[] = [];
  try {
    list = fs.readFileSync(createdMountPointsFile, 'utf8').split('\n').filter(Boolean);
  } catch {
    return;
  }
  const kept: string[] = [];
  for (const p of list) {
    try {
      fs.rmdirSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') kept.push(p);
    }
  }
  if (kept.length) fs.writeFileSync(createdMountPointsFile, `${kept.join('\n')}\n`);
  else fs.rmSync(createdMountPointsFile, { force: true });
}

// $1 rootfs, $2 hostname, $3 a host folder to keep visible ('' for none), then the paths to bind.
// Constant script; values only as arguments.
const anchorScript = [
  'set -e',
  `m=${stagingMount}`,
  `k=${keepMount}`,
  'r=$1; h=$2; keep=$3; shift 3',
  'mount --bind "$r" "$m"',
  'if [ -n "$keep" ]; then mount --bind "$keep" "$k"; fi',
  'for p in "$@"; do mount --bind "$m/$p" "/$p"; done',
  'umount "$m"',
  'if [ -n "$keep" ]; then mkdir -p "$keep"; mount --bind "$k" "$keep"; umount "$k"; fi',
  'hostname "$h"',
  'echo ready',
  'exec sleep infinity </dev/null >/dev/null 2>&1',
].join('\n');

/** Starts the anchor in the node's netns; resolves with its pid once the binds are in place. */
/** `extraBinds`: more rootfs paths bound over the node's, e.g. `usr/bin/etcdctl` to mask the host's (hostEtcdctl: false). */
export function startAnchor(
  netns: string,
  rootfs: string,
  hostname: string,
  timeoutMs = 15_000,
  extraBinds: string[] = [],
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        netns,
        'unshare',
        '--mount',
        '--uts',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        anchorScript,
        'sh',
        rootfs,
        hostname,
        repoUnderTmp(),
        ...boundDirs,
        ...boundFiles,
        ...extraBinds,
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: nodeEnv },
    );
    let out = '';
    let err = '';
    const done = (e: Error | null): void => {
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      child.removeAllListeners('exit');
      child.unref();
      if (e) {
        if (child.pid) process.kill(child.pid, 'SIGKILL');
        reject(e);
      } else resolve(child.pid as number);
    };
    const timer = setTimeout(
      () => done(new Error(`anchor of ${hostname} not ready after ${timeoutMs} ms: ${err.trim()}`)),
      timeoutMs,
    );
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready\n')) done(null);
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code) => done(new Error(`anchor of ${hostname} exited ${code}: ${err.trim()}`)));
    child.on('error', (e) => done(e));
  });
}

const enterArgs = (anchorPid: number): string[] => ['--target', String(anchorPid), '--mount', '--uts', '--net', '--'];

/** Runs a command inside a node (its anchor's mount, UTS and net namespaces). */
export function runInNode(
  anchorPid: number,
  argv: string[],
  opts: { timeoutMs?: number; input?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  return run('nsenter', [...enterArgs(anchorPid), ...argv], { ...opts, env: { ...nodeEnv, ...opts.env } });
}

/** nsenter argv for running `argv` inside a node with the caller's stdio. */
export const nodeCommand = (anchorPid: number, argv: string[]): string[] => [...enterArgs(anchorPid), ...argv];

/** Starts a detached process inside a node; returns its pid (nsenter execs it, so the pid is the program's). */
export function spawnInNode(anchorPid: number, argv: string[], logFile?: string): number {
  const fd = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const child = spawn('nsenter', [...enterArgs(anchorPid), ...argv], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: nodeEnv,
  });
  if (typeof fd === 'number') fs.closeSync(fd);
  child.on('error', () => undefined);
  child.unref();
  return child.pid as number;
}

/** Starts the node's sshd; resolves with its pid once port 22 accepts connections. */
export async function startSshd(
  anchorPid: number,
  rootfs: string,
  address: string,
  timeoutMs = 15_000,
): Promise<number> {
  const log = path.join(rootfs, sshdFiles.log);
  const pid = spawnInNode(anchorPid, ['/usr/sbin/sshd', '-D', '-f', sshdFiles.config, '-E', sshdFiles.log]);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await tcpOpen(address, 22, 300)) return pid;
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await sleep(50);
  }
  const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
  throw new Error(`sshd on ${address}:22 did not come up within ${timeoutMs} ms ${tail ? `(${tail})` : ''}`);
}

export function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const finish = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => finish(false));
    sock.once('connect', () => finish(true));
    sock.once('error', () => finish(false));
  });
}
