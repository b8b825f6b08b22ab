// The kubelet unit's state as systemd keeps it, for `systemd: real` (node.json): the kubelet.service
// of TKEStack (Restart=always, RestartSec=10, StartLimitInterval=0, Type=simple) supervised by
// kubelet-unit.ts. Written by the supervisor, read by systemctl.
import fs from 'node:fs';
import { nodePaths } from '../common/paths.js';
import { isAlive } from './proc.js';

/** `failed` only under `systemd: simulated` (systemctl.ts); the real unit never fails (StartLimitInterval=0). */
export type ActiveState = 'active' | 'activating' | 'deactivating' | 'inactive' | 'failed';
export type SubState = 'running' | 'auto-restart' | 'stop-sigterm' | 'dead' | 'failed';

export interface UnitState {
  activeState: ActiveState;
  subState: SubState;
  /** The supervisor (the lab's stand-in for PID 1's job for this unit). */
  managerPid: number | null;
  mainPid: number | null;
  /** The last main process's exit, shown by `status` while auto-restarting. */
  lastExitStatus: number | null;
  /** Automatic restarts since the last manual start (systemd flushes the counter then). */
  nRestarts: number;
  /** ms since the epoch; null before the first activation. */
  activeEnterTimestamp: number | null;
  /** When the current state was entered (ms). */
  stateChangeTimestamp: number;
}

/** RestartSec=10 of kubelet.service; KCRLAB_SYSTEMD_RESTART_SEC shortens it for tests. */
export function restartSec(env: NodeJS.ProcessEnv = process.env): number {
  const parsed = Number(env.KCRLAB_SYSTEMD_RESTART_SEC);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 10;
}

const inactive: UnitState = {
  activeState: 'inactive',
  subState: 'dead',
  managerPid: null,
  mainPid: null,
  lastExitStatus: null,
  nRestarts: 0,
  activeEnterTimestamp: null,
  stateChangeTimestamp: 0,
};

/** The unit's state; a unit whose supervisor is gone (killed with the node) reads as inactive. */
export function readUnit(): UnitState {
  let unit: UnitState;
  try {
    unit = { ...inactive, ...(JSON.parse(fs.readFileSync(nodePaths.kubeletUnit, 'utf8')) as Partial<UnitState>) };
  } catch {
    return { ...inactive };
  }
  if (unit.activeState !== 'inactive' && !isAlive(unit.managerPid))
    return { ...unit, activeState: 'inactive', subState: 'dead', mainPid: null };
  return unit;
}

export function writeUnit(unit: UnitState): void {
  fs.mkdirSync(nodePaths.runtimeDir, { recursive: true });
  const tmp = `${nodePaths.kubeletUnit}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(unit));
  fs.renameSync(tmp, nodePaths.kubeletUnit);
}
