// The systemctl shim: the kubelet unit (start, stop, restart, is-active, status, ...), the runtime's
// unit (docker or containerd, always active) and systemd's errors for anything else.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNodeConfig } from '../common/node-config.js';
import { nodePaths } from '../common/paths.js';
import { readKubeletPid, readKubeletState, writeKubeletState, type KubeletState } from './kubelet-log.js';
import { serviceEnv } from './launch.js';
import { isAlive, sleep } from './proc.js';
import { activeLine, showUnit, startUnit, stopUnit } from './systemctl-real.js';
import { readUnit, type UnitState } from './systemd-unit.js';

const kubeletJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kubelet.js');
const kubeletExec =
  '/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml';

const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(text);

function runtimeUnit(): string {
  try {
    return readNodeConfig().runtime === 'containerd' ? 'containerd' : 'docker';
  } catch {
    return 'docker';
  }
}

/** node.json `systemd: real`: the unit as systemd runs it (systemctl-real.ts). */
function realSystemd(): boolean {
  try {
    return readNodeConfig().systemd === 'real';
  } catch {
    return false;
  }
}

/** The kubelet's state with the process checked: an 'active' kubelet that died is 'failed'. */
function kubeletState(): { state: KubeletState | 'activating' | 'deactivating'; pid: number | null } {
  if (realSystemd()) {
    const unit = readUnit();
    return { state: unit.activeState, pid: unit.mainPid };
  }
  const state = readKubeletState();
  const pid = readKubeletPid();
  if (state === 'active' && !isAlive(pid)) return { state: 'failed', pid };
  return { state, pid };
}

/** The simulated kubelet as `systemctl show` would see it: active since its state file was last
 *  written (it writes `active` once it passed its checks), never restarted by systemd (no Restart=). */
function simulatedUnit(): UnitState {
  const { state, pid } = kubeletState();
  let changedMs = 0;
  try {
    changedMs = fs.statSync(nodePaths.kubeletState).mtimeMs;
  } catch {
    // never started
  }
  const active = state === 'active';
  return {
    activeState: active ? 'active' : state === 'failed' ? 'failed' : 'inactive',
    subState: active ? 'running' : state === 'failed' ? 'failed' : 'dead',
    managerPid: null,
    mainPid: active ? pid : null,
    lastExitStatus: state === 'failed' ? 255 : null,
    nRestarts: 0,
    activeEnterTimestamp: active && changedMs ? Math.floor(changedMs) : null,
    stateChangeTimestamp: Math.floor(changedMs),
  };
}

async function startKubelet(): Promise<void> {
  if (kubeletState().state === 'active') return;
  fs.mkdirSync(nodePaths.runtimeDir, { recursive: true });
  const logFd = fs.openSync(nodePaths.kubeletLog, 'a');
  const child = spawn(process.execPath, [kubeletJs], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: serviceEnv(),
    cwd: '/',
  });
  fs.closeSync(logFd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    writeKubeletState('failed');
    return;
  }
  // Wait until it has passed or failed its start-up checks, so is-active right after is meaningful.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const alive = isAlive(pid);
    if (readKubeletPid() === pid && readKubeletState() === 'active' && alive) return;
    if (!alive) {
      if (readKubeletState() !== 'failed') writeKubeletState('failed');
      return;
    }
    await sleep(25);
  }
}

async function stopKubelet(): Promise<void> {
  const { state, pid } = kubeletState();
  if (pid !== null && isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(20);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(20);
    writeKubeletState('inactive');
  } else if (state === 'active') {
    writeKubeletState('inactive');
  }
}

function systemdTime(at: Date): string {
  const day = at.toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
  return `${day} ${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function systemdAgo(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} day${d > 1 ? 's' : ''} ${h}h ago`;
  if (h > 0) return `${h}h ${m}min ago`;
  if (m > 0) return `${m}min ${s % 60}s ago`;
  return `${s}s ago`;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The last lines of the kubelet's log in journal form. */
function journalTail(lines: number): string[] {
  let text = '';
  try {
    text = fs.readFileSync(nodePaths.kubeletLog, 'utf8');
  } catch {
    return [];
  }
  const host = os.hostname();
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .slice(-lines)
    .map((line) => {
      const pid = /^[IWEF]\d{4} \S+ +(\d+) /.exec(line)?.[1] ?? '1';
      const month = months[Number(line.slice(1, 3)) - 1] ?? 'Jan';
      return `${month} ${line.slice(3, 5)} ${line.slice(6, 14)} ${host} kubelet[${pid}]: ${line}`;
    });
}

function kubeletStatus(lines: number): number {
  const { state, pid } = kubeletState();
  let since = '';
  try {
    const at = realSystemd() ? new Date(readUnit().stateChangeTimestamp) : fs.statSync(nodePaths.kubeletState).mtime;
    since = ` since ${systemdTime(at)}; ${systemdAgo(Date.now() - at.getTime())}`;
  } catch {
    // never started
  }
  const block = [
    '● kubelet.service - kubelet: The Kubernetes Node Agent',
    '   Loaded: loaded (/usr/lib/systemd/system/kubelet.service; enabled; vendor preset: disabled)',
    '  Drop-In: /usr/lib/systemd/system/kubelet.service.d',
    '           └─10-kubeadm.conf',
  ];
  if (realSystemd()) {
    const unit = readUnit();
    block.push(activeLine(unit, since), '     Docs: https://kubernetes.io/docs/');
    if (unit.activeState === 'active')
      block.push(
        ` Main PID: ${pid} (kubelet)`,
        '   CGroup: /system.slice/kubelet.service',
        `           └─${pid} ${kubeletExec}`,
      );
    else if (unit.activeState === 'activating')
      block.push(` Main PID: 0 (code=exited, status=${unit.lastExitStatus ?? 0})`);
  } else if (state === 'active') {
    block.push(
      `   Active: active (running)${since}`,
      '     Docs: https://kubernetes.io/docs/',
      ` Main PID: ${pid} (kubelet)`,
    );
    block.push('   CGroup: /system.slice/kubelet.service', `           └─${pid} ${kubeletExec}`);
  } else if (state === 'failed') {
    block.push(`   Active: failed (Result: exit-code)${since}`, '     Docs: https://kubernetes.io/docs/');
    block.push(
      `  Process: ${pid} ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS (code=exited, status=255)`,
    );
    block.push(` Main PID: ${pid} (code=exited, status=255)`);
  } else {
    block.push(`   Active: inactive (dead)${since}`, '     Docs: https://kubernetes.io/docs/');
  }
  const tail = journalTail(lines);
  out(`${block.join('\n')}\n${tail.length ? `\n${tail.join('\n')}\n` : ''}`);
  return state === 'active' ? 0 : 3;
}

function runtimeStatus(unit: string): number {
  const title = unit === 'docker' ? 'Docker Application Container Engine' : 'containerd container runtime';
  out(
    `● ${unit}.service - ${title}\n   Loaded: loaded (/usr/lib/systemd/system/${unit}.service; enabled; vendor preset: disabled)\n   Active: active (running)\n`,
  );
  return 0;
}

const unitVerbs = new Set([
  'start',
  'stop',
  'restart',
  'try-restart',
  'reload-or-restart',
  'is-active',
  'is-failed',
  'is-enabled',
  'enable',
  'disable',
  'status',
]);
const longOptions = new Set([
  '--no-pager',
  '--full',
  '--quiet',
  '--no-block',
  '--now',
  '--system',
  '--all',
  '--plain',
  '--no-legend',
  '--no-ask-password',
  '--value',
]);
const shortOptions = new Set(['l', 'q', 'a']);

async function main(argv: string[]): Promise<number> {
  let quiet = false;
  let lines = 10;
  let valueOnly = false;
  const shown: string[] = [];
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-p' || arg === '--property') shown.push(...(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--property=')) shown.push(...arg.slice(11).split(','));
    else if (arg.startsWith('-p') && arg.length > 2) shown.push(...arg.slice(2).split(','));
    else if (arg === '--value') valueOnly = true;
    else if (arg.startsWith('--lines=')) lines = Number(arg.slice(8));
    else if (arg === '-n' || arg === '--lines') lines = Number(argv[++i]);
    else if (arg.startsWith('--')) {
      if (!longOptions.has(arg)) {
        err(`systemctl: unrecognized option '${arg}'\n`);
        return 1;
      }
      if (arg === '--quiet') quiet = true;
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (const letter of arg.slice(1)) {
        if (!shortOptions.has(letter)) {
          err(`systemctl: invalid option -- '${letter}'\n`);
          return 1;
        }
        if (letter === 'q') quiet = true;
      }
    } else words.push(arg);
  }
  const [verb = 'list-units', ...rawUnits] = words;
  const units = rawUnits.map((u) => u.replace(/\.service$/, ''));
  const runtime = runtimeUnit();
  const known = (unit: string): boolean => unit === 'kubelet' || unit === runtime;
  if (unitVerbs.has(verb) && units.length === 0) {
    err('Too few arguments.\n');
    return 1;
  }
  const unknownUnit = units.find((u) => !known(u));

  switch (verb) {
    case 'list-units': {
      const row = (unit: string, state: string, sub: string, title: string): string =>
        `${`${unit}.service`.padEnd(24)} loaded ${state.padEnd(8)} ${sub.padEnd(8)} ${title}\n`;
      const k = kubeletState().state;
      out(`${'UNIT'.padEnd(24)} LOAD   ${'ACTIVE'.padEnd(8)} ${'SUB'.padEnd(8)} DESCRIPTION\n`);
      out(
        row(
          runtime,
          'active',
          'running',
          runtime === 'docker' ? 'Docker Application Container Engine' : 'containerd container runtime',
        ),
      );
      out(
        row(
          'kubelet',
          k,
          k === 'active' ? 'running' : k === 'failed' ? 'failed' : k === 'activating' ? 'auto-restart' : 'dead',
          'kubelet: The Kubernetes Node Agent',
        ),
      );
      return 0;
    }
    case 'daemon-reload':
    case 'reset-failed':
      return 0;
    case 'start':
    case 'stop':
    case 'restart':
    case 'try-restart':
    case 'reload-or-restart': {
      if (unknownUnit) {
        err(
          `Failed to ${verb} ${unknownUnit}.service: Unit ${unknownUnit}.service ${verb === 'stop' ? 'not loaded' : 'not found'}.\n`,
        );
        return 5;
      }
      if (!units.includes('kubelet')) return 0;
      const real = realSystemd();
      if (verb !== 'start') await (real ? stopUnit() : stopKubelet());
      if (verb !== 'stop') await (real ? startUnit() : startKubelet());
      return 0;
    }
    case 'show': {
      if (units.length === 0 || units.some((u) => u !== 'kubelet')) {
        err('kcrlab: systemctl show is simulated for kubelet only\n');
        return 1;
      }
      out(showUnit(shown, valueOnly, realSystemd() ? undefined : simulatedUnit()));
      return 0;
    }
    case 'is-active':
    case 'is-failed': {
      const states = units.map((u) => (u === 'kubelet' ? kubeletState().state : known(u) ? 'active' : 'inactive'));
      if (!quiet) out(states.map((s) => `${s}\n`).join(''));
      const want = verb === 'is-active' ? 'active' : 'failed';
      return states.some((s) => s === want) ? 0 : verb === 'is-active' ? 3 : 1;
    }
    case 'is-enabled':
    case 'enable':
    case 'disable': {
      if (unknownUnit) {
        err(
          `Failed to ${verb === 'is-enabled' ? 'get unit file state' : `${verb} unit`} for ${unknownUnit}.service: No such file or directory\n`,
        );
        return 1;
      }
      if (verb === 'is-enabled' && !quiet) out(units.map(() => 'enabled\n').join(''));
      return 0;
    }
    case 'status': {
      let code = 0;
      for (const unit of units) {
        if (!known(unit)) {
          err(`Unit ${unit}.service could not be found.\n`);
          code = 4;
        } else code = Math.max(code, unit === 'kubelet' ? kubeletStatus(lines) : runtimeStatus(unit));
      }
      return code;
    }
    default:
      err(`Unknown operation ${verb}.\n`);
      return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
