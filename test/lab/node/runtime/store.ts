// The container store (CONTRACT.md "Runtime state"): one JSON file per container under
// runtime/containers/ and one per pod sandbox under runtime/sandboxes/. Every write is a temp file
// renamed into place, so readers never see half a record; read-modify-write and removal happen under
// one store-wide lock (a directory made atomically), so the kubelet and concurrent shims do not
// resurrect or clobber each other's changes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { nodePaths } from '../common/paths.js';
import { isAlive, sleepSync } from './proc.js';

export type ContainerState = 'running' | 'exited';

export interface ContainerRecord {
  id: string;
  name: string;
  podName: string;
  podUid: string;
  namespace: string;
  image: string;
  pid: number;
  state: ContainerState;
  /** Set while `docker restart` stops and starts this same container: the kubelet leaves it alone. */
  restartingUntil?: string;
  createdAt: string;
  startedAt: string;
  finishedAt?: string;
  exitCode?: number;
  attempt: number;
  labels: Record<string, string>;
  loadedCertSerial: string | null;
  loadedCertFile: string | null;
  // Beyond the contract's fields: what the runtime needs to restart and track the process.
  sandboxId: string;
  /** Program and arguments, argv[0] first. */
  command: string[];
  /** /proc start time of pid, to tell the container's process from a later one with the same pid. */
  pidStartTicks: number | null;
}

export interface SandboxRecord {
  id: string;
  podName: string;
  podUid: string;
  namespace: string;
  state: 'ready' | 'notready';
  createdAt: string;
  attempt: number;
  labels: Record<string, string>;
}

export const sandboxesDir = path.join(nodePaths.runtimeDir, 'sandboxes');
const lockDir = path.join(nodePaths.runtimeDir, 'store.lock');
const staleLockMs = 10_000;

export function newId(): string {
  return crypto.randomBytes(32).toString('hex');
}

export function ensureRuntimeDirs(): void {
  for (const dir of [nodePaths.containersDir, nodePaths.containerLogsDir, sandboxesDir])
    fs.mkdirSync(dir, { recursive: true });
}

function lockIsStale(): boolean {
  try {
    const owner = Number(fs.readFileSync(path.join(lockDir, 'owner'), 'utf8'));
    if (owner && !isAlive(owner)) return true;
  } catch {
    // owner not written yet, or lock just released
  }
  try {
    return Date.now() - fs.statSync(lockDir).mtimeMs > staleLockMs;
  } catch {
    return false;
  }
}

/** Runs fn holding the store lock. fn must be short and synchronous (no waiting for processes). */
export function withStoreLock<T>(fn: () => T): T {
  ensureRuntimeDirs();
  for (let attempt = 0; ; attempt++) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (lockIsStale()) fs.rmSync(lockDir, { recursive: true, force: true });
      else sleepSync(Math.min(5 + attempt, 25));
    }
  }
  try {
    fs.writeFileSync(path.join(lockDir, 'owner'), String(process.pid));
    return fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function writeAtomic(file: string, data: unknown): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

function readAll<T>(dir: string): T[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as T);
    } catch {
      // removed between readdir and read, or a foreign file: skip
    }
  }
  return out;
}

/** A table of JSON records, one file per id, in one directory. */
class RecordTable<T extends { id: string }> {
  constructor(private readonly dir: string) {}
  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }
  list(): T[] {
    return readAll<T>(this.dir);
  }
  get(id: string): T | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file(id), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }
  put(record: T): void {
    withStoreLock(() => writeAtomic(this.file(record.id), record));
  }
  /** Applies change to the current record under the lock; no-op (undefined) when it was removed. */
  update(id: string, change: (record: T) => T | undefined): T | undefined {
    return withStoreLock(() => {
      const current = this.get(id);
      if (!current) return undefined;
      const next = change(current);
      if (next) writeAtomic(this.file(id), next);
      return next;
    });
  }
  remove(id: string): boolean {
    return withStoreLock(() => {
      try {
        fs.unlinkSync(this.file(id));
        return true;
      } catch {
        return false;
      }
    });
  }
}

export const containers = new RecordTable<ContainerRecord>(nodePaths.containersDir);
export const sandboxes = new RecordTable<SandboxRecord>(sandboxesDir);

/** Ids matching a full id or a unique prefix, as docker and crictl accept them. */
export function resolveId<T extends { id: string }>(records: T[], ref: string): T | 'ambiguous' | undefined {
  const exact = records.find((r) => r.id === ref);
  if (exact) return exact;
  if (!/^[0-9a-f]+$/.test(ref)) return undefined;
  const matches = records.filter((r) => r.id.startsWith(ref));
  if (matches.length > 1) return 'ambiguous';
  return matches[0];
}

/** Running per the record and the process is really there. */
export function isRunning(rec: ContainerRecord): boolean {
  return rec.state === 'running' && isAlive(rec.pid, rec.pidStartTicks);
}

export function containerLogFile(id: string): string {
  return path.join(nodePaths.containerLogsDir, `${id}.log`);
}

/** Newest first, by creation time. */
export function newestFirst<T extends { createdAt: string }>(records: T[]): T[] {
  return [...records].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
