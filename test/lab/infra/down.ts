// `lab down`: removes every process, namespace and interface of a lab, derived from the slot's names
// (works after a crash or a killed `up`, with lab.json missing or partial); idempotent.
import fs from 'node:fs';
import path from 'node:path';
import { bridgeName, netnsPrefix, slotDir, vethPrefix } from './names.js';
import { listLinks, listNetns } from './network.js';
import { removeCreatedMountPoints } from './node-procs.js';
import { run, sleep } from './proc.js';
import { listSlots, releaseSlot, withHostLock } from './slots.js';
import { removeRealNodeLeftovers } from './real-node.js';

/** Host-side pid files of a slot (processes outside the node netns: the kubeadm mirror). */
export const slotPidFile = (slot: number, what: string): string => path.join(slotDir(slot), `${what}.pid`);

/** Pids of processes in any of the given network namespaces (by the netns inode). */
function pidsInNetns(netnsNames: string[]): number[] {
  const inodes = new Set<string>();
  for (const n of netnsNames) {
    try {
      inodes.add(`net:[${fs.statSync(`/run/netns/${n}`).ino}]`);
    } catch {
      /* already gone */
    }
  }
  if (!inodes.size) return [];
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (inodes.has(fs.readlinkSync(`/proc/${entry}/ns/net`))) pids.push(Number(entry));
    } catch {
      /* exited */
    }
  }
  return pids;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

/** Kills the mirror if the pid file names it (and the pid is still a mirror-server). */
function killPidFile(file: string, marker: string): void {
  let pid = 0;
  try {
    pid = Number(fs.readFileSync(file, 'utf8'));
  } catch {
    return;
  }
  try {
    if (pid > 0 && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

export async function teardownSlot(slot: number): Promise<void> {
  killPidFile(slotPidFile(slot, 'mirror'), 'mirror-server');
  const netns = (await listNetns()).filter((n) => n.startsWith(netnsPrefix(slot)));
  // Kill until nothing is left: a kubelet may start a container between two scans.
  for (let round = 0; round < 50; round++) {
    const pids = pidsInNetns(netns);
    if (!pids.length) break;
    for (const p of pids) kill(p, 'SIGKILL');
    await sleep(round < 5 ? 20 : 100);
  }
  if (netns.length)
    await run('ip', ['-force', '-batch', '-'], {
      input: netns.map((n) => `netns del ${n}\n`).join(''),
      timeoutMs: 60_000,
    });
  const links = (await listLinks()).filter((l) => l.startsWith(vethPrefix(slot)) || l === bridgeName(slot));
  if (links.length)
    await run('ip', ['-force', '-batch', '-'], {
      input: links.map((l) => `link del ${l}\n`).join(''),
      timeoutMs: 60_000,
    });
  // node: real: cgroup directories on the host's hierarchies and exec roots outlive the namespaces.
  // A killed container's cgroup empties a moment after its process is reaped.
  for (let round = 0; round < 50 && removeRealNodeLeftovers(slot).length > 0; round++) await sleep(100);
  releaseSlot(slot);
}

export interface DownOptions {
  dir?: string;
  all?: boolean;
}

/** Tears down the lab in `dir` (or every lab with `all`); returns the slots it freed. */
export async function down(opts: DownOptions): Promise<number[]> {
  const slots = new Set<number>();
  if (opts.all) {
    for (const s of listSlots()) slots.add(s.slot);
    // Leftovers of slots whose /run record is gone.
    for (const name of [...(await listNetns()), ...(await listLinks())]) {
      const m = /^kcrlab(\d+)/.exec(name);
      if (m) slots.add(Number(m[1]));
    }
  }
  if (opts.dir) {
    const dir = path.resolve(opts.dir);
    for (const s of listSlots()) if (s.dir === dir) slots.add(s.slot);
  }
  for (const s of [...slots].sort((a, b) => a - b)) await teardownSlot(s);
  await withHostLock(() => {
    if (listSlots().length === 0) removeCreatedMountPoints();
  });
  return [...slots];
}
