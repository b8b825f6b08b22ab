// Slot allocation: `mkdir /run/kcrlab/slots/<S>` is the atomic lock; `dir` inside names the owner.
import fs from 'node:fs';
import path from 'node:path';
import { maxSlot, runDir, slotDir, slotsDir } from './names.js';
import { LabError, mustReadLabState, type LabState } from './state.js';

export function allocateSlot(labDir: string): number {
  fs.mkdirSync(slotsDir, { recursive: true, mode: 0o755 });
  for (let s = 1; s <= maxSlot; s++) {
    try {
      fs.mkdirSync(slotDir(s));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    fs.writeFileSync(path.join(slotDir(s), 'dir'), labDir);
    return s;
  }
  throw new LabError(
    `no free lab slot (1..${maxSlot} all taken under ${slotsDir}; \`npm run lab -- down --all\` frees them)`,
  );
}

export function releaseSlot(slot: number): void {
  fs.rmSync(slotDir(slot), { recursive: true, force: true });
}

/** Allocated slots and the lab folder that owns each ('' when not yet written). */
export function listSlots(): { slot: number; dir: string }[] {
  let names: string[];
  try {
    names = fs.readdirSync(slotsDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d+$/.test(n))
    .map((n) => {
      let dir = '';
      try {
        dir = fs.readFileSync(path.join(slotsDir, n, 'dir'), 'utf8');
      } catch {
        /* killed between mkdir and write */
      }
      return { slot: Number(n), dir };
    })
    .sort((a, b) => a.slot - b.slot);
}

/** The slot a lab folder holds, from /run even when lab.json is missing. */
export function slotOfDir(labDir: string): number | null {
  return listSlots().find((s) => s.dir === labDir)?.slot ?? null;
}

/** lab.json of a lab that is up: its slot is still held by this folder (else its pids are stale). */
export function mustReadLiveLabState(labDir: string): LabState {
  const state = mustReadLabState(labDir);
  if (slotOfDir(state.dir) !== state.slot)
    throw new LabError(`the lab in ${state.dir} is down (slot ${state.slot} released): run \`npm run lab -- up\``);
  return state;
}

const hostLock = `${runDir}/lock`;

function holderAlive(): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(hostLock, 'pid'), 'utf8'));
    if (pid > 0) {
      process.kill(pid, 0);
      return true;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPERM') return true;
  }
  // No pid yet: the holder may be between mkdir and write; give it a moment.
  try {
    return Date.now() - fs.statSync(hostLock).mtimeMs < 5000;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` holding the host-wide lab lock. Slot allocation and the "no lab left, remove the host
 * mount points" step take it, so a `down` never removes a mount point a starting lab is about to use.
 */
export async function withHostLock<T>(fn: () => T | Promise<T>): Promise<T> {
  fs.mkdirSync(runDir, { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(hostLock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!holderAlive()) fs.rmSync(hostLock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 20));
    }
  }
  try {
    fs.writeFileSync(path.join(hostLock, 'pid'), String(process.pid));
    return await fn();
  } finally {
    fs.rmSync(hostLock, { recursive: true, force: true });
  }
}
