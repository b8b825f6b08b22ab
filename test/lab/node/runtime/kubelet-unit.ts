// `systemd: real`: what systemd does for kubelet.service (Restart=always, RestartSec=10,
// StartLimitInterval=0, Type=simple), as a detached supervisor started by `systemctl start`. The
// unit is active as soon as the kubelet is forked; when the kubelet exits, whatever its code, the
// unit is activating (auto-restart) for RestartSec, then the kubelet is started again and
// NRestarts counts it. It never becomes failed. SIGTERM (systemctl stop) stops the kubelet and
// leaves the unit inactive.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodePaths } from '../common/paths.js';
import { serviceEnv } from './launch.js';
import { readNodeConfig } from '../common/node-config.js';
import { realKubeletArgv } from './real-kubelet.js';
import { writeKubeletState } from './kubelet-log.js';
import { readUnit, restartSec, writeUnit, type UnitState } from './systemd-unit.js';

const kubeletJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kubelet.js');
/** Honoured by the first start only (see README: `up` passes it to that start alone). */
const STARTED_BEFORE_EXPIRY_ENV = 'KCRLAB_KUBELET_STARTED_BEFORE_EXPIRY';

let unit: UnitState = { ...readUnit(), managerPid: process.pid, nRestarts: 0, lastExitStatus: null };
let child: ChildProcess | null = null;
let restartTimer: NodeJS.Timeout | null = null;
let stopping = false;
let firstStart = true;

const update = (patch: Partial<UnitState>): void => {
  unit = { ...unit, ...patch, stateChangeTimestamp: Date.now() };
  writeUnit(unit);
};

function startMain(): void {
  const env = serviceEnv();
  if (!firstStart) delete env[STARTED_BEFORE_EXPIRY_ENV];
  firstStart = false;
  fs.mkdirSync(nodePaths.runtimeDir, { recursive: true });
  const logFd = fs.openSync(nodePaths.kubeletLog, 'a');
  // node: real runs the real kubelet binary; the lab's status reads its pid and state files.
  const real = readNodeConfig().node === 'real';
  const [file, ...args] = real ? realKubeletArgv(readNodeConfig()) : [process.execPath, kubeletJs];
  child = spawn(file as string, args, { stdio: ['ignore', logFd, logFd], env, cwd: '/' });
  fs.closeSync(logFd);
  if (real && child.pid) {
    fs.writeFileSync(nodePaths.kubeletPid, `${child.pid}\n`);
    writeKubeletState('active');
    child.once('exit', () => writeKubeletState(stopping ? 'inactive' : 'failed'));
  }
  const now = Date.now();
  update({ activeState: 'active', subState: 'running', mainPid: child.pid ?? null, activeEnterTimestamp: now });
  child.on('exit', (code, signal) => {
    child = null;
    if (stopping) return;
    update({
      activeState: 'activating',
      subState: 'auto-restart',
      mainPid: null,
      lastExitStatus: code ?? (signal ? 128 : 1),
    });
    restartTimer = setTimeout(() => {
      restartTimer = null;
      unit.nRestarts += 1;
      startMain();
    }, restartSec() * 1000);
  });
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  if (restartTimer) clearTimeout(restartTimer);
  const running = child;
  if (!running) {
    update({ activeState: 'inactive', subState: 'dead', mainPid: null, managerPid: null });
    process.exit(0);
  }
  update({ activeState: 'deactivating', subState: 'stop-sigterm' });
  const kill = setTimeout(() => running.kill('SIGKILL'), 10_000);
  running.once('exit', () => {
    clearTimeout(kill);
    update({ activeState: 'inactive', subState: 'dead', mainPid: null, managerPid: null });
    process.exit(0);
  });
  running.kill('SIGTERM');
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
startMain();
