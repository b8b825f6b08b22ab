// Runs one contestant as a child process and measures it: wall time, the largest single process's
// peak RSS (GNU time's "Maximum resident set size", when /usr/bin/time exists), and the peak of the
// whole process tree's memory, sampled from /proc (PSS, so forked workers sharing pages are not
// counted twice; Ansible forks one process per host, the tool and the floor run in one process).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak RSS of the largest single process (kB), from GNU time; undefined without it. */
  maxRssKb?: number;
  /** Peak sum of PSS over the process tree (kB), sampled every `sampleMs`. */
  peakTreePssKb: number;
  /** CPU time (user + system) of the whole tree (s), from GNU time. */
  cpuSeconds?: number;
}

export interface MeasureOptions {
  env?: Record<string, string>;
  cwd?: string;
  sampleMs?: number;
  /** Killed (SIGKILL to the group) after this long. */
  timeoutMs: number;
  /** Folder for GNU time's report file. */
  workDir: string;
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function pssKb(pid: number): Promise<number> {
  try {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const m = /^Pss:\s+(\d+) kB/m.exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sum of PSS of `root` and every descendant (threads of a process share its memory: one count). */
export async function treePssKb(root: number): Promise<number> {
  let total = 0;
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += await pssKb(pid);
    queue.push(...(await childrenOf(pid)));
  }
  return total;
}

function parseGnuTime(text: string): { maxRssKb?: number; cpuSeconds?: number } {
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
  const user = /User time \(seconds\): ([\d.]+)/.exec(text);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(text);
  return {
    ...(rss ? { maxRssKb: Number(rss[1]) } : {}),
    ...(user && sys ? { cpuSeconds: Number(user[1]) + Number(sys[1]) } : {}),
  };
}

let seq = 0;

export async function measure(cmd: string, args: readonly string[], opts: MeasureOptions): Promise<Measured> {
  const useTime = existsSync(GNU_TIME);
  const timeFile = path.join(opts.workDir, `time-${process.pid}-${++seq}.txt`);
  const [file, argv] = useTime ? [GNU_TIME, ['-v', '-o', timeFile, cmd, ...args]] : [cmd, [...args]];
  const started = process.hrtime.bigint();
  const child = spawn(file, argv, {
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peak = 0;
  let done = false;
  const sampler = (async () => {
    while (!done && child.pid !== undefined) {
      peak = Math.max(peak, await treePssKb(child.pid));
      await new Promise((r) => setTimeout(r, opts.sampleMs ?? 200));
    }
  })();
  const killer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, opts.timeoutMs);
  const code = await new Promise<number>((resolve) => {
    child.on('error', (err) => {
      stderr += err.message;
      resolve(127);
    });
    child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  done = true;
  clearTimeout(killer);
  await sampler;
  let timeInfo: { maxRssKb?: number; cpuSeconds?: number } = {};
  if (useTime) {
    timeInfo = parseGnuTime(await readFile(timeFile, 'utf8').catch(() => ''));
    await rm(timeFile, { force: true });
  }
  return { code, stdout, stderr, wallMs, peakTreePssKb: peak, ...timeInfo };
}
