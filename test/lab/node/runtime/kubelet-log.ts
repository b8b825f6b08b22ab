// The kubelet's own log (runtime/kubelet.log) and state file, shared by the kubelet's parts.
import fs from 'node:fs';
import { nodePaths } from '../common/paths.js';
import { appendLine, klogLine } from './format.js';

export type KubeletState = 'active' | 'inactive' | 'failed';

export function klog(severity: 'I' | 'W' | 'E' | 'F', source: string, message: string): void {
  appendLine(nodePaths.kubeletLog, klogLine(severity, source, message));
}

export function writeKubeletState(state: KubeletState): void {
  const tmp = `${nodePaths.kubeletState}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${state}\n`);
  fs.renameSync(tmp, nodePaths.kubeletState);
}

export function readKubeletState(): KubeletState {
  try {
    const state = fs.readFileSync(nodePaths.kubeletState, 'utf8').trim();
    return state === 'active' || state === 'failed' ? state : 'inactive';
  } catch {
    return 'inactive';
  }
}

export function readKubeletPid(): number | null {
  try {
    const pid = Number(fs.readFileSync(nodePaths.kubeletPid, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
