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

// `ssh-drop-during backup|kubeconfig` (node/common/session-drop.ts): wrappers in front of the real
// programs those steps run, which drop the caller's SSH session first when the fault names the step:
// `etcdctl snapshot ...` (the tool's backup takes an etcd snapshot mid-way) and `install` (the
// tool's kubeconfig copy). Without the fault they are the real program (exec, same argv).
function dropShim(
  real: string,
  step: string,
  onlyWithArg: string | undefined,
  nodeBin: string,
  labDist: string,
): string {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const drop = `${quote(nodeBin)} ${quote(path.join(labDist, 'node/common/session-drop-cli.js'))} ${step}`;
  const guarded = `grep -q '"sshDropDuring": *"${step}"' /var/lib/kcrlab/faults.json 2>/dev/null && ${drop}`;
  const body = onlyWithArg ? `case " $* " in *" ${onlyWithArg} "*) ${guarded} ;; esac` : guarded;
  return `#!/bin/sh\n# kcrlab: ${real}; drops the SSH session first under the ssh-drop-during ${step} fault\n${body}\nexec ${real} "$@"\n`;
}

/** `etcdctl: false` (topology hostEtcdctl: false): no etcdctl on the node, as TKEStack installs none. */
export function writeSessionDropShims(
  rootfs: string,
  nodeBin: string,
  labDist: string,
  opts: { etcdctl: boolean } = { etcdctl: true },
): void {
  const dir = path.join(rootfs, 'usr/local/bin');
  fs.mkdirSync(dir, { recursive: true });
  if (opts.etcdctl)
    fs.writeFileSync(path.join(dir, 'etcdctl'), dropShim('/usr/bin/etcdctl', 'backup', 'snapshot', nodeBin, labDist), {
      mode: 0o755,
    });
  fs.writeFileSync(path.join(dir, 'install'), dropShim('/usr/bin/install', 'kubeconfig', undefined, nodeBin, labDist), {
    mode: 0o755,
  });
}
