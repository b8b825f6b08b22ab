// DIR/lab.json: what `up` made, read by status, exec, fault and down.
import fs from 'node:fs';
import path from 'node:path';
import type { TopologyCluster } from '../topology/load.js';

export interface LabNodeState {
  name: string;
  cluster: string;
  role: 'master' | 'worker';
  address: string;
  netns: string;
  veth: string;
  light: boolean;
  anchorPid?: number;
  sshdPid?: number;
  /** Pid of a pending `sshd-drop` timer, if any. */
  sshdDropPid?: number;
  /** node: real: the node's dockerd and the seeder `up` started (infra/real-node-up.ts). */
  dockerdPid?: number;
  seedPid?: number;
}

export interface LabState {
  dir: string;
  slot: number;
  topology: string;
  createdAt: string;
  bridge: string;
  bridgeAddress: string;
  mirrorPid?: number;
  mirrorPort?: number;
  clusters: TopologyCluster[];
  nodes: LabNodeState[];
}

export const labJsonPath = (dir: string): string => path.join(dir, 'lab.json');

export function readLabState(dir: string): LabState | null {
  try {
    return JSON.parse(fs.readFileSync(labJsonPath(dir), 'utf8')) as LabState;
  } catch {
    return null;
  }
}

export function writeLabState(state: LabState): void {
  const file = labJsonPath(state.dir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export class LabError extends Error {}

export function mustReadLabState(dir: string): LabState {
  const s = readLabState(dir);
  if (!s) throw new LabError(`no lab in ${dir} (${labJsonPath(dir)} missing): run \`npm run lab -- up\` first`);
  return s;
}

export function findNode(state: LabState, name: string): LabNodeState {
  const n = state.nodes.find((x) => x.name === name || x.address === name);
  if (!n)
    throw new LabError(
      `no node ${name} in the lab at ${state.dir} (nodes: ${state.nodes.map((x) => x.name).join(', ')})`,
    );
  return n;
}

/** Where node `name`'s files live on the host. */
export const rootfsOf = (dir: string, node: string): string => path.join(dir, 'nodes', node, 'rootfs');
