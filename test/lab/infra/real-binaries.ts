// The real Kubernetes binaries (1.20.2, built from Debian's source package by
// test/lab/real/build-kubernetes.sh) that a `components: real` cluster runs. They live in a cache
// outside the clone, keyed by the source package version in test/lab/real/kubernetes.env.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './locate.js';
import { LabError } from './state.js';

export interface RealKubernetes {
  /** e.g. "1.20.2" (no v). */
  version: string;
  /** Folder holding kubeadm, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, pause. */
  binDir: string;
}

/** KEY=value lines of test/lab/real/kubernetes.env (the build script sources the same file). */
export function realKubernetesEnv(): Record<string, string> {
  const file = path.join(repoRoot(), 'test/lab/real/kubernetes.env');
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=("?)(.*)\2$/.exec(line.trim());
    if (m) env[m[1] as string] = m[3] as string;
  }
  return env;
}

export function realKubernetesDir(): string {
  const env = realKubernetesEnv();
  const root = process.env.KCR_K8S_CACHE ?? '/var/cache/kube-cert-renew';
  return path.join(root, 'kubernetes', env.SRC_VERSION ?? 'unknown');
}

/** The Kubernetes version real components exist for ("1.20.2"). */
export function realKubernetesVersion(): string {
  return (realKubernetesEnv().K8S_VERSION ?? '').replace(/^v/, '');
}

/** The cached build, or a LabError saying how to make it. */
export function requireRealKubernetes(): RealKubernetes {
  const binDir = realKubernetesDir();
  if (!fs.existsSync(path.join(binDir, 'COMPLETE'))) {
    throw new LabError(
      `the real Kubernetes ${realKubernetesVersion()} binaries are not built (no ${binDir}/COMPLETE): run \`bash test/lab/real/build-kubernetes.sh\` (about 6 min, once per machine)`,
    );
  }
  return { version: realKubernetesVersion(), binDir };
}

/** Copies a real binary to `dest` (a copy, not a link: a node may overwrite its kubeadm in place). */
export function installRealBinary(real: RealKubernetes, name: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.rmSync(dest, { force: true });
  fs.copyFileSync(path.join(real.binDir, name), dest, fs.constants.COPYFILE_FICLONE);
  fs.chmodSync(dest, 0o755);
}
