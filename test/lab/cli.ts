#!/usr/bin/env node
// The lab's command line: `npm run lab -- up|status|exec|fault|down` (see test/lab/README.md).
import path from 'node:path';
import { down } from './infra/down.js';
import { clearFaults, faultKinds, setFault, type FaultKind } from './infra/faults.js';
import { labDistDir } from './infra/locate.js';
import { nodeCommand } from './infra/node-procs.js';
import { preflight } from './infra/preflight.js';
import { runInteractive } from './infra/proc.js';
import { mustReadLiveLabState } from './infra/slots.js';
import { findNode, LabError } from './infra/state.js';
import { formatStatus, labStatus } from './infra/status.js';
import { up } from './infra/up.js';
import { TopologyError } from './topology/load.js';

const usage = `usage: npm run lab -- <command> [options]
  up     --topology FILE [--dir DIR] [--quiet]     bring a topology up (DIR default .lab/)
  status [--dir DIR] [--json]                       processes and health of every node
  exec   [--dir DIR] NODE -- CMD [ARGS...]          run a command inside a node
  fault  [--dir DIR] NODE KIND [--seconds N] [--after S] [--step STEP]
  fault  [--dir DIR] NODE --clear                   undo every fault on the node
  down   [--dir DIR] | --all                        remove the lab (idempotent)
fault kinds: ${faultKinds.join(', ')}
`;

class UsageError extends Error {}

interface Parsed {
  flags: Map<string, string | true>;
  positional: string[];
  rest: string[];
}

const valueFlags = new Set(['--topology', '--dir', '--seconds', '--after', '--step']);

function parseArgs(argv: string[]): Parsed {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (valueFlags.has(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`${name} needs a value`);
        flags.set(name, v);
      } else flags.set(name, true);
    } else positional.push(a);
  }
  return { flags, positional, rest };
}

function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

function num(p: Parsed, name: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`${name} needs a number, got ${JSON.stringify(v)}`);
  return Number(v);
}

function checkFlags(p: Parsed, allowed: string[]): void {
  for (const f of p.flags.keys()) if (!allowed.includes(f)) throw new UsageError(`unknown option ${f}`);
}

const dirOf = (p: Parsed): string => path.resolve(str(p, '--dir') ?? '.lab');

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(usage);
    return command ? 0 : 2;
  }
  const p = parseArgs(args);
  switch (command) {
    case 'up': {
      checkFlags(p, ['--topology', '--dir', '--quiet']);
      const topologyFile = str(p, '--topology');
      if (!topologyFile || p.positional.length) throw new UsageError('up needs --topology FILE');
      const quiet = p.flags.has('--quiet');
      const state = await up({
        topologyFile,
        dir: dirOf(p),
        log: quiet ? undefined : (m) => process.stderr.write(`lab: ${m}\n`),
      });
      process.stdout.write(
        `lab up in ${state.dir} (slot ${state.slot}): inventory ${path.join(state.dir, 'inventory.yaml')}\n`,
      );
      return 0;
    }
    case 'status': {
      checkFlags(p, ['--dir', '--json']);
      const state = mustReadLiveLabState(dirOf(p));
      const status = await labStatus(state, labDistDir());
      process.stdout.write(p.flags.has('--json') ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      return 0;
    }
    case 'exec': {
      checkFlags(p, ['--dir']);
      const [node, ...extra] = p.positional;
      if (!node || extra.length || !p.rest.length) throw new UsageError('exec needs NODE -- CMD [ARGS...]');
      const state = mustReadLiveLabState(dirOf(p));
      const n = findNode(state, node);
      if (!n.anchorPid) throw new LabError(`${n.name} has no anchor process: the lab is not fully up`);
      return runInteractive('nsenter', nodeCommand(n.anchorPid, p.rest));
    }
    case 'fault': {
      checkFlags(p, ['--dir', '--clear', '--seconds', '--after', '--step']);
      const [node, kind, ...extra] = p.positional;
      if (!node || extra.length) throw new UsageError('fault needs NODE KIND or NODE --clear');
      await preflight();
      const state = mustReadLiveLabState(dirOf(p));
      const n = findNode(state, node);
      if (p.flags.has('--clear')) {
        if (kind) throw new UsageError('fault NODE --clear takes no KIND');
        await clearFaults(state, n);
        return 0;
      }
      if (!kind || !faultKinds.includes(kind as FaultKind))
        throw new UsageError(`unknown fault kind ${JSON.stringify(kind ?? '')} (kinds: ${faultKinds.join(', ')})`);
      await setFault(
        state,
        n,
        kind as FaultKind,
        { seconds: num(p, '--seconds'), after: num(p, '--after'), step: str(p, '--step') },
        labDistDir(),
      );
      return 0;
    }
    case 'down': {
      checkFlags(p, ['--dir', '--all']);
      await preflight();
      const all = p.flags.has('--all');
      const slots = await down(all ? { all: true } : { dir: dirOf(p) });
      process.stdout.write(slots.length ? `lab down (slot ${slots.join(', ')})\n` : 'no lab to take down\n');
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`lab: ${err.message}\n${usage}`);
      process.exit(2);
    }
    const expected = err instanceof LabError || err instanceof TopologyError;
    process.stderr.write(`lab: ${expected ? (err as Error).message : ((err as Error).stack ?? String(err))}\n`);
    process.exit(1);
  },
);
