// Test-only scaffolding for the runner: an in-memory transport, an inventory builder and modules
// that record when they ran (so tests can assert overlap, order and call counts).
import pino from 'pino';
import { z } from 'zod';
import { StepError, UnreachableError } from '../../../src/errors.js';
import type { Cluster, Host, Inventory } from '../../../src/inventory/types.js';
import { parsePlaybook } from '../../../src/playbook/load.js';
import { BUILTIN_MODULES } from '../../../src/modules/index.js';
import { createRegistry } from '../../../src/playbook/registry.js';
import type { MutatingModule, Playbook, ReadOnlyModule, RunOptions } from '../../../src/playbook/types.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import type { RunSummary, TaskStatus } from '../../../src/playbook/results.js';
import { runPlaybook } from '../../../src/playbook/runner.js';
import type { Connection, Transport } from '../../../src/transport/types.js';

export interface Interval {
  cluster: string;
  host: string;
  task: string;
  start: number;
  end: number;
}

/** What the test modules saw; reset by `resetLog()`. */
export const log = {
  intervals: [] as Interval[],
  mutateRuns: 0,
  decideRuns: 0,
  attempts: new Map<string, number>(),
};

export function resetLog(): void {
  log.intervals = [];
  log.mutateRuns = 0;
  log.decideRuns = 0;
  log.attempts.clear();
}

const stepArgs = z.strictObject({
  ms: z.number().default(0),
  status: z.enum(['ok', 'changed', 'skipped', 'failed']).default('ok'),
  /** Hosts on which the step fails. */
  failOn: z.array(z.string()).default([]),
  /** Hosts on which the step throws UnreachableError (the connection drops mid-step). */
  dropOn: z.array(z.string()).default([]),
  /** Fails on the first N attempts of each host. */
  failFirst: z.number().default(0),
  /** Sets the host's `due` fact (as preflight does). */
  due: z.boolean().optional(),
  /** Publishes the host's name as its backupDir and as the cluster's tkeCertsBackup. */
  publish: z.boolean().default(false),
  ignoreSignal: z.boolean().default(false),
  /** Label recorded with the interval. */
  tag: z.string().optional(),
});

function waitMs(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

const stepModule: ReadOnlyModule<z.infer<typeof stepArgs>> = {
  name: 't_step',
  description: 'Test step: waits, records its interval, returns the status asked for.',
  args: stepArgs,
  mutates: false,
  async run(ctx, a) {
    const key = `${ctx.cluster.name}/${ctx.host.name}`;
    const attempt = (log.attempts.get(key) ?? 0) + 1;
    log.attempts.set(key, attempt);
    const start = performance.now();
    await waitMs(a.ms, a.ignoreSignal ? undefined : ctx.signal);
    log.intervals.push({
      cluster: ctx.cluster.name,
      host: ctx.host.name,
      task: a.tag ?? '',
      start,
      end: performance.now(),
    });
    if (a.dropOn.includes(ctx.host.name)) throw new UnreachableError('connection lost', { host: ctx.host.name });
    if (a.failOn.includes(ctx.host.name)) throw new StepError('step failed on purpose', { host: ctx.host.name });
    if (attempt <= a.failFirst) return { status: 'failed', message: `attempt ${attempt} failed`, data: { attempt } };
    if (a.due !== undefined) ctx.facts.due = a.due;
    if (a.publish) {
      ctx.publish('backupDir', ctx.host.name);
      ctx.publishCluster('tkeCertsBackup', ctx.host.name);
    }
    return { status: a.status as TaskStatus, message: `${a.status} after ${a.ms}ms`, data: { attempt } };
  },
};

const mutateArgs = z.strictObject({
  /** What `decide` finds. */
  decision: z.enum(['change', 'ok', 'skip']).default('change'),
  /** Gated by the host's `due` fact. */
  gated: z.boolean().default(false),
});
const mutateModule: MutatingModule<z.infer<typeof mutateArgs>, string> = {
  name: 't_mutate',
  description: 'Test step that changes things.',
  args: mutateArgs,
  mutates: true,
  onlyWhenDue: (a) => a.gated,
  async decide(_ctx, a) {
    log.decideRuns++;
    if (a.decision === 'ok') return { kind: 'ok', message: 'already right' };
    if (a.decision === 'skip') return { kind: 'skip', message: 'nothing to do here' };
    return { kind: 'change', message: 'would change it', plan: 'the plan' };
  },
  async apply(_ctx, _a, plan) {
    log.mutateRuns++;
    return { status: 'changed', message: `changed it (${plan})` };
  },
};

/** The built-in modules and the test modules above, for loading and running test playbooks. */
export const modules = createRegistry([...BUILTIN_MODULES, stepModule, mutateModule]);

/** A transport whose hosts in `unreachable` refuse connections. */
export function fakeTransport(unreachable: string[] = []): Transport & { connects: string[] } {
  const connects: string[] = [];
  return {
    connects,
    async connect(host: Host): Promise<Connection> {
      connects.push(host.name);
      if (unreachable.includes(host.name)) throw new UnreachableError('connection refused', { host: host.name });
      const result = { stdout: '', stderr: '', exitCode: 0, durationMs: 0 };
      return {
        host,
        exec: async () => result,
        run: async () => result,
        readFile: async () => Buffer.alloc(0),
        writeFile: async () => undefined,
        upload: async () => undefined,
        close: async () => undefined,
      };
    },
    async closeAll() {},
  };
}

function host(name: string, cluster: string, role: Host['role']): Host {
  return {
    name,
    cluster,
    role,
    ssh: { address: `${name}.example`, port: 22, user: 'root', knownHostsFiles: [], connectTimeoutMs: 1000 },
    become: { enabled: false },
    vars: { rack: `${name}-rack` },
  };
}

/** `{ c1: ['m1','m2'], c2: ['m1'] }` -> an inventory of global/standalone clusters of masters (+ workers after '|'). */
export function inventory(spec: Record<string, string[]>, types: Record<string, Cluster['type']> = {}): Inventory {
  return {
    file: '/tmp/inventory.yaml',
    clusters: Object.entries(spec).map(([name, names]) => ({
      name,
      type: types[name] ?? 'standalone',
      etcd: 'stacked',
      kubeadm: { provision: 'none', mirrorUrl: '', installDir: '/opt/kcr' },
      masters: names.filter((n) => !n.startsWith('w')).map((n) => host(n, name, 'master')),
      workers: names.filter((n) => n.startsWith('w')).map((n) => host(n, name, 'worker')),
      vars: { zone: `${name}-zone` },
    })),
  };
}

export function playbook(yaml: string): Playbook {
  return parsePlaybook(yaml, 'test.yaml', modules);
}

/** A one-play playbook `name: t` over masters; the blocks are YAML list items (already indented). */
export function onePlay(
  blocks: { serial?: number; tasks: string[]; rescue?: string[]; always?: string[] },
  more = '',
): Playbook {
  const block = (key: string, items?: string[]) =>
    items?.length ? `    ${key}:\n${items.map((i) => `      - ${i}`).join('\n')}\n` : '';
  const serial = blocks.serial ? `    serial: ${blocks.serial}\n` : '';
  return playbook(
    `name: t\nplays:\n  - name: renew\n    hosts: masters\n${serial}${block('tasks', blocks.tasks)}${block('rescue', blocks.rescue)}${block('always', blocks.always)}${more}`,
  );
}

export function options(over: Partial<RunOptions> = {}): RunOptions {
  return {
    dryRun: false,
    renewWithinSeconds: 30 * 86_400,
    force: false,
    outputDir: '/tmp/kcr',
    healthTimeoutMs: 1000,
    kubeadmTimeoutMs: 180_000,
    restartTimeoutMs: 120_000,
    etcdStartTimeoutMs: 120_000,
    maxClockSkewMs: 1000,
    ...over,
  };
}

export const silentLogger = pino({ level: 'silent' });

export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

export interface TestRunSettings {
  /** Clusters at once; 10 unless given. */
  forks?: number;
  /** Hosts that refuse connections. */
  unreachable?: string[];
  options?: Partial<RunOptions>;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

/** Runs a playbook with the modules above over the in-memory transport, logging nothing. */
export function runTestPlaybook(inv: Inventory, pb: Playbook, settings: TestRunSettings = {}): Promise<RunSummary> {
  return runPlaybook({
    inventory: inv,
    playbook: pb,
    modules,
    transport: fakeTransport(settings.unreachable),
    options: options(settings.options),
    forks: settings.forks ?? 10,
    logger: silentLogger,
    signal: settings.signal,
    onEvent: settings.onEvent,
  });
}
