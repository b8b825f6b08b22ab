// `lab fault`: file faults (the node's faults.json, read by node programs) and infra faults (sshd,
// tmpfs, kubelet, host key) with `--clear` undoing all of them (CONTRACT.md).
import fs from 'node:fs';
import path from 'node:path';
import type { NodeFaults } from '../node/common/node-config.js';
import { newKey } from './keys.js';
import { runInNode, startSshd } from './node-procs.js';
import { pidAlive, sleep } from './proc.js';
import { sshdFiles } from './rootfs.js';
import { LabError, rootfsOf, type LabNodeState, type LabState } from './state.js';
import { spawn } from 'node:child_process';
import { sessionDropSteps, type SessionDropStep } from '../node/common/session-drop.js';

export const fileFaultKinds = [
  'kubeadm-renew-fail',
  'apiserver-not-ready',
  'slow-start',
  'etcd-slow-start',
  'etcd-stopped',
  'clock-skew',
] as const;
export const infraFaultKinds = [
  'ssh-drop-during',
  'sshd-down',
  'sshd-drop',
  'backup-full',
  'kubelet-stopped',
  'host-key-changed',
] as const;
export type FaultKind = (typeof fileFaultKinds)[number] | (typeof infraFaultKinds)[number];
export const faultKinds: readonly FaultKind[] = [...fileFaultKinds, ...infraFaultKinds];

export interface FaultArgs {
  seconds?: number;
  after?: number;
  /** ssh-drop-during: the tool's step during which the SSH session is cut. */
  step?: string;
}

/** Infra faults in force on a node (host side only, beside the rootfs). */
interface InfraFaultState {
  sshdDown?: boolean;
  sshdDropPid?: number;
  backupFull?: boolean;
  kubeletStopped?: boolean;
  hostKeyChanged?: boolean;
}

const backupsDir = '/var/lib/kube-cert-renew/backups';
const hostKeyBackup = `${sshdFiles.hostKey}.lab-original`;

const faultsFile = (state: LabState, node: string): string =>
  path.join(rootfsOf(state.dir, node), 'var/lib/kcrlab/faults.json');
const infraFile = (state: LabState, node: string): string => path.join(state.dir, 'nodes', node, 'infra-faults.json');

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return {} as T;
  }
}
function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** The node's sshd pid: its PidFile, else what `up` recorded. */
export function sshdPid(state: LabState, n: LabNodeState): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(rootfsOf(state.dir, n.name), sshdFiles.pidFile), 'utf8').trim());
    if (pidAlive(pid)) return pid;
  } catch {
    /* not written yet */
  }
  return pidAlive(n.sshdPid) ? (n.sshdPid ?? null) : null;
}

async function stopSshd(state: LabState, n: LabNodeState): Promise<void> {
  const pid = sshdPid(state, n);
  if (!pid) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(20);
  fs.rmSync(path.join(rootfsOf(state.dir, n.name), sshdFiles.pidFile), { force: true });
}

async function restartSshd(state: LabState, n: LabNodeState): Promise<void> {
  await stopSshd(state, n);
  n.sshdPid = await startSshd(needAnchor(n), rootfsOf(state.dir, n.name), n.address);
}

function needAnchor(n: LabNodeState): number {
  if (!n.anchorPid || !pidAlive(n.anchorPid))
    throw new LabError(`${n.name}: the node is not running (no anchor process); bring the lab up again`);
  return n.anchorPid;
}

async function inNode(n: LabNodeState, argv: string[]): Promise<void> {
  const r = await runInNode(needAnchor(n), argv, { timeoutMs: 30_000 });
  if (r.code !== 0)
    throw new LabError(`${n.name}: ${argv.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
}

function needSeconds(kind: string, value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value) || value < 0)
    throw new LabError(`fault ${kind} needs --seconds N (N >= 0)`);
  return value;
}

export async function setFault(
  state: LabState,
  n: LabNodeState,
  kind: FaultKind,
  args: FaultArgs,
  labDist: string,
): Promise<void> {
  const file = faultsFile(state, n.name);
  const faults = readJson<NodeFaults>(file);
  const infra = readJson<InfraFaultState>(infraFile(state, n.name));
  switch (kind) {
    case 'kubeadm-renew-fail':
      faults.kubeadmRenewFail = true;
      break;
    case 'apiserver-not-ready':
      faults.apiserverNotReadyNextStart = true;
      break;
    case 'slow-start':
      faults.slowStartSeconds = needSeconds(kind, args.seconds);
      break;
    case 'etcd-slow-start':
      faults.etcdSlowStartSeconds = needSeconds(kind, args.seconds);
      break;
    case 'etcd-stopped':
      faults.etcdStopped = true;
      break;
    case 'clock-skew':
      faults.clockSkewSeconds = needSeconds(kind, args.seconds);
      break;
    case 'ssh-drop-during':
      if (!sessionDropSteps.includes(args.step as SessionDropStep))
        throw new LabError(`fault ssh-drop-during needs --step ${sessionDropSteps.join('|')}`);
      faults.sshDropDuring = args.step as SessionDropStep;
      break;
    case 'sshd-down':
      await stopSshd(state, n);
      infra.sshdDown = true;
      break;
    case 'sshd-drop': {
      const after = needSeconds(kind, args.after ?? args.seconds);
      const listener = sshdPid(state, n);
      if (!listener) throw new LabError(`${n.name}: sshd is not running`);
      if (infra.sshdDropPid && pidAlive(infra.sshdDropPid)) process.kill(infra.sshdDropPid, 'SIGKILL');
      // In the node's netns, so `down` reaps it with the node.
      const child = spawn(
        'nsenter',
        [
          `--net=/var/run/netns/${n.netns}`,
          '--',
          process.execPath,
          path.join(labDist, 'infra/sshd-drop.js'),
          String(after),
          String(listener),
        ],
        { detached: true, stdio: 'ignore' },
      );
      child.unref();
      infra.sshdDropPid = child.pid;
      break;
    }
    case 'backup-full':
      if (!infra.backupFull) {
        await inNode(n, ['mkdir', '-p', backupsDir]);
        await inNode(n, ['mount', '-t', 'tmpfs', '-o', 'size=8k,mode=0700', 'kcrlab-backup-full', backupsDir]);
      }
      infra.backupFull = true;
      break;
    case 'kubelet-stopped':
      await inNode(n, ['/usr/local/bin/systemctl', 'stop', 'kubelet']);
      infra.kubeletStopped = true;
      break;
    case 'host-key-changed': {
      const rootfs = rootfsOf(state.dir, n.name);
      const key = path.join(rootfs, sshdFiles.hostKey);
      if (!infra.hostKeyChanged) {
        fs.copyFileSync(key, path.join(rootfs, hostKeyBackup));
        fs.copyFileSync(`${key}.pub`, path.join(rootfs, `${hostKeyBackup}.pub`));
      }
      await newKey(key, n.name);
      await restartSshd(state, n);
      infra.hostKeyChanged = true;
      break;
    }
  }
  writeJson(file, faults);
  writeJson(infraFile(state, n.name), infra);
}

/** Undoes every fault on the node. */
export async function clearFaults(state: LabState, n: LabNodeState): Promise<void> {
  const infra = readJson<InfraFaultState>(infraFile(state, n.name));
  writeJson(faultsFile(state, n.name), {});
  if (infra.sshdDropPid && pidAlive(infra.sshdDropPid)) process.kill(infra.sshdDropPid, 'SIGKILL');
  if (infra.backupFull) {
    await inNode(n, ['umount', backupsDir]);
  }
  if (infra.hostKeyChanged) {
    const rootfs = rootfsOf(state.dir, n.name);
    fs.renameSync(path.join(rootfs, hostKeyBackup), path.join(rootfs, sshdFiles.hostKey));
    fs.renameSync(path.join(rootfs, `${hostKeyBackup}.pub`), path.join(rootfs, `${sshdFiles.hostKey}.pub`));
  }
  if (infra.hostKeyChanged || infra.sshdDown || !sshdPid(state, n)) await restartSshd(state, n);
  if (infra.kubeletStopped) await inNode(n, ['/usr/local/bin/systemctl', 'start', 'kubelet']);
  writeJson(infraFile(state, n.name), {});
}
