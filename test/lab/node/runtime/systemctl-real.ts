// systemctl on the kubelet unit under `systemd: real` (kubelet-unit.ts supervises the kubelet):
// start and restart return once the process is forked; is-active says active, activating or
// inactive (never failed: StartLimitInterval=0); `show -p` answers NRestarts, ActiveEnterTimestamp
// and the other properties asked for, in systemd's order (Service properties before Unit ones).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceEnv } from './launch.js';
import { isAlive, sleep } from './proc.js';
import { readUnit, restartSec, type UnitState } from './systemd-unit.js';

const unitJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kubelet-unit.js');

export async function startUnit(): Promise<void> {
  if (readUnit().activeState !== 'inactive') return;
  const child = spawn(process.execPath, [unitJs], { detached: true, stdio: 'ignore', env: serviceEnv(), cwd: '/' });
  child.unref();
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && readUnit().managerPid !== child.pid) await sleep(10);
}

export async function stopUnit(): Promise<void> {
  const unit = readUnit();
  if (unit.activeState === 'inactive' || unit.managerPid === null) return;
  process.kill(unit.managerPid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (isAlive(unit.managerPid) && Date.now() < deadline) await sleep(20);
}

/** systemd's format_timestamp: "Thu 2026-12-03 10:35:22 UTC" (the lab's nodes run in UTC). */
export function systemdTimestamp(ms: number | null): string {
  if (ms === null) return '';
  const at = new Date(ms);
  const day = at.toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
  return `${day} ${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function properties(unit: UnitState): [string, string][] {
  const usec = (ms: number | null): string => (ms === null ? '0' : String(ms * 1000));
  return [
    // org.freedesktop.systemd1.Service
    ['Type', 'simple'],
    ['Restart', 'always'],
    ['RestartUSec', `${restartSec()}s`],
    ['MainPID', String(unit.mainPid ?? 0)],
    ['ExecMainStatus', String(unit.lastExitStatus ?? 0)],
    ['NRestarts', String(unit.nRestarts)],
    // org.freedesktop.systemd1.Unit
    ['Id', 'kubelet.service'],
    ['ActiveState', unit.activeState],
    ['SubState', unit.subState],
    ['StateChangeTimestamp', systemdTimestamp(unit.stateChangeTimestamp || null)],
    ['ActiveEnterTimestamp', systemdTimestamp(unit.activeEnterTimestamp)],
    ['ActiveEnterTimestampMonotonic', usec(unit.activeEnterTimestamp)],
    ['StartLimitIntervalUSec', '0'],
  ];
}

/** `systemctl show kubelet [-p A,B ...] [--value]`, of the unit given (default: as systemd keeps it). */
export function showUnit(wanted: string[], valueOnly: boolean, unit: UnitState = readUnit()): string {
  const all = properties(unit);
  const picked = wanted.length ? all.filter(([k]) => wanted.includes(k)) : all;
  return picked.map(([k, v]) => (valueOnly ? `${v}\n` : `${k}=${v}\n`)).join('');
}

/** The Active: line of `systemctl status`. */
export function activeLine(unit: UnitState, since: string): string {
  if (unit.activeState === 'active') return `   Active: active (running)${since}`;
  if (unit.activeState === 'activating') return `   Active: activating (auto-restart) (Result: exit-code)${since}`;
  if (unit.activeState === 'deactivating') return `   Active: deactivating (stop-sigterm)${since}`;
  return `   Active: inactive (dead)${since}`;
}
