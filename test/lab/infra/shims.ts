// Shims infra writes into a node's /usr/local/bin: the node's kubeadm (pki's simulator for the
// installed version) and, unless the runtime part provides one, `date` (honours clock-skew).
import fs from 'node:fs';
import path from 'node:path';

export function writeKubeadmShim(rootfs: string, shim: string): void {
  const file = path.join(rootfs, 'usr/local/bin/kubeadm');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, shim, { mode: 0o755 });
}

// The real date, shifted by faults.json's clockSkewSeconds (unless the caller names a date itself).
const dateShim = `#!/bin/sh
# kcrlab date shim: /bin/date shifted by clockSkewSeconds in /var/lib/kcrlab/faults.json
skew=$(sed -n 's/.*"clockSkewSeconds"[^0-9-]*\\(-\\{0,1\\}[0-9][0-9]*\\).*/\\1/p' /var/lib/kcrlab/faults.json 2>/dev/null | head -n 1)
[ -n "$skew" ] && [ "$skew" != 0 ] || exec /bin/date "$@"
for a in "$@"; do
  case "$a" in -d*|--date*|-r*|--reference*|-s*|--set*|-f*|--file*) exec /bin/date "$@" ;; esac
done
exec /bin/date -d "@$(( $(/bin/date +%s) + skew ))" "$@"
`;

export function writeDateShimIfMissing(rootfs: string): void {
  const file = path.join(rootfs, 'usr/local/bin/date');
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, dateShim, { mode: 0o755 });
}
