// Writes a node's runtime shims (called by the lab's infra at `up`): systemctl, date, and docker or
// crictl according to the cluster's runtime, into <rootfs>/usr/local/bin.
import fs from 'node:fs';
import path from 'node:path';

export interface RuntimeShimOptions {
  runtime: 'docker' | 'containerd';
  /** Absolute path of the Node binary (process.execPath at `up`). */
  nodeBin: string;
  /** Absolute path of the compiled lab (dist/test/lab). */
  labDist: string;
  /** Docker masters also get crictl (cri-tools on the dockershim socket: the same containers). */
  crictlOnDocker?: boolean;
  /** `real`: no sh fast path for `is-active kubelet` (it reads the simulated unit's state file). */
  systemd?: 'simulated' | 'real';
  /** Masters that run etcd: the etcd image's etcdctl for `docker|crictl exec` (exec.ts). */
  etcdImage?: boolean;
}

/** The host's etcdctl, as the etcd image's (KCRLAB_ETCDCTL_BIN overrides). */
const etcdctlBin = (): string => process.env.KCRLAB_ETCDCTL_BIN ?? '/usr/bin/etcdctl';

/**
 * <rootfs>/var/lib/kcrlab/images/etcd/etcdctl: a hard link to the host's etcdctl (a copy across
 * file systems), outside the node's PATH, so a node without etcdctl (hostEtcdctl: false masks
 * /usr/bin/etcdctl) still has it inside its etcd container, as real etcd images do.
 */
function installEtcdImage(rootfs: string): string {
  const dir = path.join(rootfs, 'var', 'lib', 'kcrlab', 'images', 'etcd');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'etcdctl');
  fs.rmSync(file, { force: true });
  try {
    fs.linkSync(etcdctlBin(), file);
  } catch {
    fs.copyFileSync(etcdctlBin(), file);
    fs.chmodSync(file, 0o755);
  }
  return file;
}

function shim(nodeBin: string, program: string, fastPath = ''): string {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\n${fastPath}exec ${quote(nodeBin)} ${quote(program)} "$@"\n`;
}

// Fast paths in sh for the read-only queries the tool makes on every node of a fleet check: a real
// node answers them with a native binary in milliseconds, while starting Node costs 0.1-0.2 s of CPU
// (all nodes share this machine's cores, so a 100-node check would mostly measure Node's start-up).
// Same answers as the programs: the kubelet's state with the process checked (zombies are dead), and
// the unskewed clock only when faults.json sets no clockSkewSeconds. Anything else goes to Node.
const FAST_PATHS: Record<string, string> = {
  systemctl: `if [ "$*" = "is-active kubelet" ]; then
  r="\${KCRLAB_ROOT:-}/var/lib/kcrlab/runtime"; s=$(cat "$r/kubelet.state" 2>/dev/null)
  case "$s" in active|failed) ;; *) s=inactive ;; esac
  if [ "$s" = active ]; then
    p=$(cat "$r/kubelet.pid" 2>/dev/null); st=
    case "$p" in ''|*[!0-9]*) ;; *) { read -r st < "/proc/$p/stat"; } 2>/dev/null ;; esac
    st=\${st##*) }; case "\${st%% *}" in ''|Z|X) s=failed ;; esac
  fi
  echo "$s"; [ "$s" = active ] && exit 0; exit 3
fi
`,
  date: `case "$*" in ''|'+%s'|'-u'|'-u +%s') grep -q clockSkewSeconds "\${KCRLAB_ROOT:-}/var/lib/kcrlab/faults.json" 2>/dev/null || exec /bin/date "$@" ;; esac
`,
};

/** Returns the paths written. The other runtime's CLI is removed if present. */
export function installRuntimeShims(rootfs: string, opts: RuntimeShimOptions): string[] {
  const binDir = path.join(rootfs, 'usr', 'local', 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  const clis = opts.runtime === 'docker' ? (opts.crictlOnDocker ? ['docker', 'crictl'] : ['docker']) : ['crictl'];
  for (const other of ['docker', 'crictl'])
    if (!clis.includes(other)) fs.rmSync(path.join(binDir, other), { force: true });
  const written: string[] = [];
  for (const name of ['systemctl', 'date', ...clis]) {
    const file = path.join(binDir, name);
    const fastPath = name === 'systemctl' && opts.systemd === 'real' ? '' : FAST_PATHS[name];
    fs.writeFileSync(file, shim(opts.nodeBin, path.join(opts.labDist, 'node', 'runtime', `${name}.js`), fastPath), {
      mode: 0o755,
    });
    fs.chmodSync(file, 0o755);
    written.push(file);
  }
  if (opts.etcdImage) written.push(installEtcdImage(rootfs));
  return written;
}
