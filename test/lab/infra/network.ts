// Bridge, netns and veth pairs of a slot, made with `ip` (argv arrays; batches for speed).
import { bridgeAddress, bridgeName, netnsName, vethName } from './names.js';
import { mustRun, run } from './proc.js';

export interface NodeNet {
  name: string;
  index: number;
  address: string;
}

export async function createBridge(slot: number): Promise<void> {
  const br = bridgeName(slot);
  await mustRun('ip', ['link', 'add', br, 'type', 'bridge']);
  await mustRun('ip', ['addr', 'add', `${bridgeAddress(slot)}/24`, 'dev', br]);
  await mustRun('ip', ['link', 'set', br, 'up']);
}

/** `ip -batch` input; names and addresses come from our own generators, validated to [a-z0-9.-]. */
function batchLine(args: string[]): string {
  for (const a of args)
    if (!/^[A-Za-z0-9./_-]+$/.test(a)) throw new Error(`unsafe ip batch argument: ${JSON.stringify(a)}`);
  return args.join(' ');
}

/** Makes each node's netns and veth (host end on the bridge, `eth0` inside with its address). */
export async function createNodeNets(slot: number, nodes: NodeNet[]): Promise<void> {
  const br = bridgeName(slot);
  const host: string[] = [];
  for (const n of nodes) {
    const ns = netnsName(slot, n.name);
    const veth = vethName(slot, n.index);
    host.push(batchLine(['netns', 'add', ns]));
    host.push(batchLine(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]));
    host.push(batchLine(['link', 'set', veth, 'master', br, 'up']));
  }
  await mustRun('ip', ['-batch', '-'], { input: `${host.join('\n')}\n`, timeoutMs: 120_000 });
  await Promise.all(
    nodes.map((n) => {
      const lines = [
        ['link', 'set', 'lo', 'up'],
        ['addr', 'add', `${n.address}/24`, 'dev', 'eth0'],
        ['link', 'set', 'eth0', 'up'],
        ['route', 'add', 'default', 'via', bridgeAddress(slot)],
      ].map(batchLine);
      return mustRun('ip', ['-n', netnsName(slot, n.name), '-batch', '-'], { input: `${lines.join('\n')}\n` });
    }),
  );
}

export async function listNetns(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith('kcrlab'));
}

export async function listLinks(): Promise<string[]> {
  const r = await run('ip', ['-o', 'link', 'show']);
  const names: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (m?.[1]?.startsWith('kcrlab')) names.push(m[1]);
  }
  return names;
}

export async function netnsPids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns]);
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}
