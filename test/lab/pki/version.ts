// Kubernetes version strings ("1.18.3", "v1.21.4-tke.1") and comparisons on them.

export interface KubeVersion {
  major: number;
  minor: number;
  patch: number;
  /** Normalised "1.18.3" (no leading v, no build suffix). */
  text: string;
}

export function parseKubeVersion(version: string): KubeVersion {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) throw new Error(`not a Kubernetes version: ${version}`);
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const patch = Number(match[3] ?? 0);
  return { major, minor, patch, text: `${major}.${minor}.${patch}` };
}

/** True when `version` is at least 1.<minor>.<patch>. */
export function atLeast(version: KubeVersion, minor: number, patch = 0): boolean {
  if (version.major !== 1) return version.major > 1;
  return version.minor > minor || (version.minor === minor && version.patch >= patch);
}

/** The kubeadm.k8s.io API version a cluster of this version stores its ClusterConfiguration in. */
export function kubeadmApiVersion(version: KubeVersion): 'v1beta1' | 'v1beta2' | 'v1beta3' | 'v1beta4' {
  if (!atLeast(version, 15)) return 'v1beta1';
  if (!atLeast(version, 22)) return 'v1beta2';
  if (!atLeast(version, 31)) return 'v1beta3';
  return 'v1beta4';
}
