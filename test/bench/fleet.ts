// Fleet check: the tool's `check`, Ansible and the ssh2 floor over the same N light nodes, at the
// same concurrency, several rounds. Each run is checked for having done its work.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ansibleEndDates, clearTree, writeAnsibleFiles } from './support/ansible.js';
import { floorCli, toolCli, type BenchLab, type LabStatus } from './support/lab.js';
import { measure, type Measured } from './support/measure.js';
import { spread, type Spread } from './support/stats.js';

/** `tool`: `check` (quick, its default); `tool-deep`: `check --deep` (key match, served certificates, restarts). */
export type Contestant = 'floor' | 'tool' | 'tool-deep' | 'ansible';

/** One fleet size: the first clusters of the lab, every node of each. */
export interface FleetSize {
  n: number;
  clusters: string[];
  hosts: { name: string; address: string }[];
  /** Hosts in flight at once, for every contestant. */
  concurrency: number;
}

export interface ContestantResult {
  contestant: Contestant;
  /** Set when the contestant could not run or a run did not do its work. */
  error?: string;
  wall?: Spread;
  /** Peak over the runs (kB). */
  maxRssKb?: number;
  peakTreePssKb?: number;
  /** Median CPU seconds (user + system) of the contestant's own processes (not the nodes'). */
  cpuSeconds?: number;
}

export interface FleetResult {
  size: FleetSize;
  results: ContestantResult[];
}

/** The tool's `--forks` (clusters at once); every host of a cluster runs at once within a play. */
export const TOOL_FORKS = 10;

/** Sizes made of whole clusters: the tool runs min(forks, clusters) x hosts-per-cluster hosts at once. */
export function fleetSizes(status: LabStatus, ns: readonly number[]): FleetSize[] {
  return ns.map((n) => {
    const clusters: LabStatus['clusters'] = [];
    let count = 0;
    for (const c of status.clusters) {
      if (count >= n) break;
      clusters.push(c);
      count += c.nodes.length;
    }
    if (count !== n) throw new Error(`the lab's clusters do not add up to ${n} nodes`);
    const perCluster = Math.max(...clusters.map((c) => c.nodes.length));
    return {
      n,
      clusters: clusters.map((c) => c.name),
      hosts: clusters.flatMap((c) => c.nodes.map((h) => ({ name: h.name, address: h.address }))),
      concurrency: Math.min(TOOL_FORKS, clusters.length) * perCluster,
    };
  });
}

interface Runner {
  contestant: Contestant;
  run(): Promise<Measured>;
  /** Why the run did not do its work, if it did not. */
  verify(m: Measured): string | undefined | Promise<string | undefined>;
}

const RUN_TIMEOUT_MS = 300_000;

function exitProblem(m: Measured, ok: readonly number[] = [0]): string | undefined {
  return ok.includes(m.code)
    ? undefined
    : `exit ${m.code}: ${m.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`;
}

function toolRunner(lab: BenchLab, size: FleetSize, dir: string, contestant: 'tool' | 'tool-deep'): Runner {
  const deep = contestant === 'tool-deep';
  return {
    contestant,
    run: () =>
      measure(
        process.execPath,
        [
          toolCli,
          'check',
          '--inventory',
          lab.inventory,
          '--cluster',
          size.clusters.join(','),
          '--forks',
          String(TOOL_FORKS),
          '--json',
          ...(deep ? ['--deep'] : []),
        ],
        { timeoutMs: RUN_TIMEOUT_MS, workDir: dir, cwd: dir },
      ),
    verify: (m) => {
      const bad = exitProblem(m);
      if (bad) return bad;
      const doc = JSON.parse(m.stdout) as { nodes: { status: string }[]; entries: unknown[] };
      const read = doc.nodes.filter((x) => x.status === 'ok').length;
      return read === size.n && doc.entries.length >= size.n ? undefined : `check read ${read}/${size.n} nodes`;
    },
  };
}

async function runners(lab: BenchLab, size: FleetSize, workDir: string, withAnsible: boolean): Promise<Runner[]> {
  const dir = path.join(workDir, `fleet-${size.n}`);
  await mkdir(dir, { recursive: true });
  const hostsFile = path.join(dir, 'hosts.json');
  await writeFile(hostsFile, JSON.stringify(size.hosts));
  const list: Runner[] = [
    {
      contestant: 'floor',
      run: () =>
        measure(
          process.execPath,
          [
            floorCli,
            '--hosts',
            hostsFile,
            '--key',
            lab.identityFile,
            '--known-hosts',
            lab.knownHosts,
            '--concurrency',
            String(size.concurrency),
          ],
          { timeoutMs: RUN_TIMEOUT_MS, workDir: dir },
        ),
      verify: (m) => {
        const bad = exitProblem(m);
        if (bad) return bad;
        const doc = JSON.parse(m.stdout) as { ok: number; bytes: number };
        return doc.ok === size.n && doc.bytes > 0 ? undefined : `floor read ${doc.ok}/${size.n} hosts`;
      },
    },
    toolRunner(lab, size, dir, 'tool'),
    toolRunner(lab, size, dir, 'tool-deep'),
  ];
  if (withAnsible) {
    const files = await writeAnsibleFiles(dir, size.hosts, lab, size.concurrency);
    const treeDir = path.join(dir, 'ansible-tree');
    list.push({
      contestant: 'ansible',
      run: async () => {
        await clearTree(treeDir);
        return measure('ansible-playbook', ['-i', files.inventory, files.playbook], {
          timeoutMs: RUN_TIMEOUT_MS,
          workDir: dir,
          cwd: dir,
          env: { ANSIBLE_CONFIG: files.config, ANSIBLE_NOCOLOR: '1', ANSIBLE_CALLBACK_TREE_DIR: treeDir },
        });
      },
      verify: async (m) => {
        const bad = exitProblem(m);
        if (bad) return bad;
        const counts = await ansibleEndDates(treeDir);
        const done = [...counts.values()].filter((c) => c > 0).length;
        return done === size.n ? undefined : `ansible read end dates on ${done}/${size.n} hosts`;
      },
    });
  }
  return list;
}

/**
 * Measures every contestant on every size, `rounds` rounds (each round: every size, the contestants
 * in a rotating order, so a change in the machine's load touches all of them alike). Every
 * contestant runs at least once per size; after that a run that would end past `deadline` (its
 * previous duration at that size as the estimate) is left out, so the bench ends in time on a busy
 * machine: the table says how many runs each median is made of.
 */
export async function measureFleet(
  lab: BenchLab,
  sizes: FleetSize[],
  rounds: number,
  workDir: string,
  withAnsible: boolean,
  deadline: number,
  say: (line: string) => void,
): Promise<FleetResult[]> {
  const plans = await Promise.all(
    sizes.map(async (size) => ({ size, list: await runners(lab, size, workDir, withAnsible) })),
  );
  const key = (n: number, c: Contestant): string => `${n}/${c}`;
  const samples = new Map<string, Measured[]>();
  const errors = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    for (const { size, list } of plans) {
      const order = list.map((_, i) => list[(i + round) % list.length]!);
      for (const runner of order) {
        const k = key(size.n, runner.contestant);
        if (errors.has(k)) continue;
        const done = samples.get(k) ?? [];
        const estimateMs = done.length ? Math.max(...done.map((m) => m.wallMs)) : 0;
        if (done.length > 0 && Date.now() + estimateMs > deadline) continue;
        const m = await runner.run();
        const problem = await runner.verify(m);
        if (problem) {
          errors.set(k, problem);
          say(`  N=${size.n} ${runner.contestant} run ${round + 1}: FAILED ${problem}`);
          continue;
        }
        samples.set(k, [...done, m]);
        say(`  N=${size.n} ${runner.contestant} run ${round + 1}/${rounds}: ${(m.wallMs / 1000).toFixed(1)} s`);
      }
    }
  }
  return plans.map(({ size, list }) => ({
    size,
    results: list.map(({ contestant }): ContestantResult => {
      const ms = samples.get(key(size.n, contestant)) ?? [];
      const error = errors.get(key(size.n, contestant));
      if (ms.length === 0) return { contestant, error: error ?? 'no run' };
      const cpu = ms.map((m) => m.cpuSeconds).filter((c): c is number => c !== undefined);
      const rss = ms.map((m) => m.maxRssKb).filter((c): c is number => c !== undefined);
      return {
        contestant,
        ...(error ? { error } : {}),
        wall: spread(ms.map((m) => m.wallMs)),
        ...(rss.length ? { maxRssKb: Math.max(...rss) } : {}),
        peakTreePssKb: Math.max(...ms.map((m) => m.peakTreePssKb)),
        ...(cpu.length ? { cpuSeconds: spread(cpu).median } : {}),
      };
    }),
  }));
}
