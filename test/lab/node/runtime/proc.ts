// Process helpers for the runtime: liveness that sees through zombies and pid reuse, signalling a
// container's process group, and waiting for a process to go away.
import fs from 'node:fs';
import os from 'node:os';

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null when the pid is gone. */
export function procStartTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** True when the pid runs (not a zombie) and, if known, is still the process that started then. */
export function isAlive(pid: number | undefined | null, startTicks?: number | null): boolean {
  if (!pid || pid <= 0) return false;
  const ticks = procStartTicks(pid);
  if (ticks === null) return false;
  return startTicks === undefined || startTicks === null || ticks === startTicks;
}

/** Signals the process group the container leads (it was started with setsid), else the pid. */
export function signalContainer(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the process is gone; false when it is still there after timeoutMs. */
export async function waitGone(
  pid: number,
  startTicks: number | null | undefined,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid, startTicks)) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * SIGTERM, then SIGKILL after graceMs (how the kubelet and `docker stop` end a container).
 * Returns the signal that ended it.
 */
export async function terminate(
  pid: number,
  startTicks: number | null | undefined,
  graceMs: number,
): Promise<'SIGTERM' | 'SIGKILL'> {
  if (!isAlive(pid, startTicks)) return 'SIGTERM';
  signalContainer(pid, 'SIGTERM');
  if (await waitGone(pid, startTicks, graceMs)) return 'SIGTERM';
  signalContainer(pid, 'SIGKILL');
  await waitGone(pid, startTicks, 5000);
  return 'SIGKILL';
}

/** SIGKILL and wait (what `docker rm -f` and `docker kill` do). */
export async function killNow(pid: number, startTicks: number | null | undefined): Promise<void> {
  if (!isAlive(pid, startTicks)) return;
  signalContainer(pid, 'SIGKILL');
  await waitGone(pid, startTicks, 5000);
}

/** The exit code a runtime reports for a process ended by a signal (128 + signal number). */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + os.constants.signals[signal];
}
