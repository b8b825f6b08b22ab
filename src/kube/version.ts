// Kubernetes / kubeadm versions: parsing and comparison. Versions like "v1.20.4-tke.1" keep their
// suffix for display but compare by major.minor.patch.

export interface KubeVersion {
  major: number;
  minor: number;
  patch: number;
  /** As written, without a leading "v" (e.g. "1.20.4-tke.1"). */
  raw: string;
}

const VERSION_RE = /^v?(\d+)\.(\d+)(?:\.(\d+))?([-+][0-9A-Za-z.+-]*)?$/;

export function parseVersion(text: string): KubeVersion | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: text.trim().replace(/^v/, '') };
}

/** "1.18" from "v1.18.3-tke.1": what must match between kubeadm and the cluster. Text that is no
 *  version is returned as it is (trimmed), so two such texts still compare. */
export function minorOf(text: string): string {
  const v = parseVersion(text);
  return v ? `${v.major}.${v.minor}` : text.trim();
}

export function sameMinor(a: KubeVersion, b: KubeVersion): boolean {
  return a.major === b.major && a.minor === b.minor;
}

/** True when v is at least major.minor. */
export function atLeast(v: KubeVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** The upstream release version for download URLs: "1.20.4-tke.1" -> "1.20.4". */
export function upstreamRelease(v: KubeVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}
