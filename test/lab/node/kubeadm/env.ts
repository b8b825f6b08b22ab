// What every kubeadm subcommand shares: its own version, node paths (re-rooted by KCRLAB_ROOT),
// output streams, and kubeadm's error type (printed by main as kubeadmutil.CheckErr does).
import fs from 'node:fs';
import path from 'node:path';
import { atLeast, parseKubeVersion, type KubeVersion } from '../../pki/version.js';

export class KubeadmError extends Error {}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export function kubeadmVersion(): KubeVersion {
  const raw = process.env.KCRLAB_KUBEADM_VERSION;
  if (!raw) throw new KubeadmError('KCRLAB_KUBEADM_VERSION is not set (run kubeadm through its shim)');
  return parseKubeVersion(raw);
}

/** A path inside the node (as kubeadm names it) -> where it is from this process's point of view. */
export function nodePath(absolute: string): string {
  return path.join(process.env.KCRLAB_ROOT ?? '/', absolute);
}

export const KUBERNETES_DIR = '/etc/kubernetes';
export const DEFAULT_CERT_DIR = '/etc/kubernetes/pki';

export function readIfExists(absolute: string): string | null {
  try {
    return fs.readFileSync(nodePath(absolute), 'utf8');
  } catch {
    return null;
  }
}

/**
 * Writes a node file as kubeadm's writers do (ioutil.WriteFile after os.MkdirAll of its folder):
 * O_WRONLY|O_CREATE|O_TRUNC, so an existing file keeps its inode, mode and owner and `mode`
 * (less the umask) applies only to a new file. Not atomic: a reader can see it half written.
 */
export function writeInPlace(absolute: string, data: string, mode: number): void {
  const target = nodePath(absolute);
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
  fs.writeFileSync(target, data, { mode, flag: 'w' });
}

/**
 * k8s#106891 (Dec 2021): kubeconfig rows get CA "ca" in check-expiration and the etcd CA may be
 * external. Backported to 1.20–1.23 patch releases (versions below are the first patches after it).
 */
export function hasFix106891(v: KubeVersion): boolean {
  if (atLeast(v, 24)) return true;
  const firstPatch: Record<number, number> = { 20: 15, 21: 9, 22: 6, 23: 2 };
  const patch = firstPatch[v.minor];
  return patch !== undefined && v.patch >= patch;
}

/** klog's header, e.g. "W0820 10:45:38.123456   12345 kubeconfig.go:240] ". */
export function klogWarning(source: string, message: string): string {
  const now = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const micros = p(now.getMilliseconds(), 3) + '000';
  return `W${p(now.getMonth() + 1)}${p(now.getDate())} ${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}.${micros} ${String(process.pid).padStart(7)} ${source}] ${message}\n`;
}
