// `node: real` (README "Real node"), host side: per master a dockerd of its own inside the node's
// namespaces, and the teardown of what outlives the namespaces (cgroup directories on the host's
// hierarchies, exec roots on the host's /run). The kubelet itself is started by the node's
// `systemctl start kubelet` (node/runtime/kubelet-unit.ts), as on the other nodes.
import fs from 'node:fs';
import path from 'node:path';
import {
  realNodePaths,
  realNodeRunDir,
  realNodeRuncWrapper,
  realNodeSlotPrefix,
  type RealNodePaths,
} from '../node/common/real-node.js';
import { runInNode, spawnInNode } from './node-procs.js';
import { run, sleep, type RunResult } from './proc.js';
import { LabError } from './state.js';

/** Debian's docker.io 20.10 (the CLI too: /usr/local/bin may hold another docker client). */
export const dockerCli = '/usr/bin/docker';
const dockerd = '/usr/sbin/dockerd';

/** The cgroup v1 controllers mounted in a real node (ip netns exec gives it an empty /sys/fs/cgroup). */
const cgroupControllers = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'];

// Inside the node's mount namespace. $1 the exec root, then the controllers. The kubelet writes to
// /var/lib/dockershim, /var/log/pods and /var/log/containers, which no flag moves: each real node
// gets its own (bound from /var/lib/kcrlab/realnode, i.e. its rootfs), so kubelets never share them.
const setupScript = [
  'set -e',
  'execroot=$1; shift',
  'if ! mountpoint -q /sys/fs/cgroup/memory; then',
  '  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup',
  '  for c in "$@"; do mkdir -p "/sys/fs/cgroup/$c"; mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"; done',
  '  mkdir -p /sys/fs/cgroup/systemd; mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd',
  'fi',
  'mkdir -p "$execroot" /var/lib/kcrlab/docker',
  'for d in /var/lib/dockershim /var/log/pods /var/log/containers; do',
  '  own="/var/lib/kcrlab/realnode$d"; mkdir -p "$own" "$d"',
  '  mountpoint -q "$d" || mount --bind "$own" "$d"',
  'done',
].join('\n');

// dockershim asks oom_score_adj -998 for every sandbox, which needs CAP_SYS_RESOURCE: this machine's
// bounding set lacks it and runc fails ("can't get final child's PID from pipe"). dockerd runs this
// wrapper as its default runtime: it sets oomScoreAdj to 0 in the bundle's config.json, then execs
// runc. It has nothing to do with certificates.
const runcWrapper = `#!/bin/sh
# kcrlab (node: real): runc with the bundle's oomScoreAdj set to 0 (no CAP_SYS_RESOURCE here)
bundle=
prev=
for a in "$@"; do
  case "$prev" in --bundle|-b) bundle=$a ;; esac
  case "$a" in --bundle=*) bundle=\${a#--bundle=} ;; esac
  prev=$a
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  sed -i 's/"oomScoreAdj":-[0-9]*/"oomScoreAdj":0/' "$bundle/config.json"
fi
exec /usr/sbin/runc "$@"
`;

/** dockerd's flags for one node (README "Real node"). */
export function dockerdArgs(p: RealNodePaths, daemonJson: string): string[] {
  return [
    `--config-file=${daemonJson}`,
    `--data-root=${p.dataRoot}`,
    `--exec-root=${p.execRoot}`,
    `--host=unix://${p.dockerSocket}`,
    `--pidfile=${p.dockerdPidFile}`,
    '--iptables=false',
    '--ip-masq=false',
    '--ip-forward=false',
    // Pods without hostNetwork (the TKE APIs) need docker's default network: a bridge inside the
    // node's own netns (gone with it), no iptables rules on the host.
    '--bip=172.30.0.1/24',
    `--cgroup-parent=${p.cgroupParent}`,
    '--exec-opt=native.cgroupdriver=cgroupfs',
    '--storage-driver=overlay2',
    '--log-driver=json-file',
    `--add-runtime=kcrlab-runc=${realNodeRuncWrapper}`,
    '--default-runtime=kcrlab-runc',
    '--oom-score-adjust=0',
  ];
}

/** docker on the host against one node's dockerd. */
export function nodeDocker(slot: number, node: string, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  const p = realNodePaths(slot, node);
  return run(dockerCli, args, {
    timeoutMs,
    env: { ...process.env, DOCKER_HOST: `unix://${p.dockerSocket}`, DOCKER_BUILDKIT: '0' },
  });
}

/** The node's `docker`: Debian's CLI on the node's own socket. */
export function nodeDockerShim(slot: number, node: string): string {
  const p = realNodePaths(slot, node);
  return `#!/bin/sh\n# kcrlab (node: real): the real docker CLI on this node's dockerd\nDOCKER_HOST=\${DOCKER_HOST:-unix://${p.dockerSocket}} exec ${dockerCli} "$@"\n`;
}

/** Writes the node's runc wrapper, dockerd config and docker CLI shim into its rootfs. */
export function writeRealNodeFiles(rootfs: string, slot: number, node: string): void {
  const wrapper = path.join(rootfs, realNodeRuncWrapper);
  fs.mkdirSync(path.dirname(wrapper), { recursive: true });
  fs.writeFileSync(wrapper, runcWrapper, { mode: 0o755 });
  fs.writeFileSync(path.join(rootfs, 'var/lib/kcrlab/docker-daemon.json'), '{}\n', { mode: 0o644 });
  const shim = path.join(rootfs, 'usr/local/bin/docker');
  fs.rmSync(shim, { force: true });
  fs.writeFileSync(shim, nodeDockerShim(slot, node), { mode: 0o755 });
}

/** Mounts the node's cgroups and own folders, starts its dockerd; resolves with dockerd's pid once it answers. */
export async function startRealNodeDocker(
  anchorPid: number,
  slot: number,
  node: string,
  rootfs: string,
  timeoutMs = 60_000,
): Promise<number> {
  for (const bin of [dockerd, dockerCli, '/usr/sbin/runc', '/usr/bin/containerd'])
    if (!fs.existsSync(bin))
      throw new LabError(`node: real needs Debian's docker.io (${bin} is missing): run .ci/setup`);
  const p = realNodePaths(slot, node);
  const setup = await runInNode(anchorPid, ['sh', '-c', setupScript, 'sh', p.execRoot, ...cgroupControllers]);
  if (setup.code !== 0) throw new LabError(`${node}: real node setup failed: ${setup.stderr.trim()}`);
  const log = path.join(rootfs, 'var/lib/kcrlab/runtime/dockerd.log');
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const pid = spawnInNode(anchorPid, [dockerd, ...dockerdArgs(p, '/var/lib/kcrlab/docker-daemon.json')], log);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await nodeDocker(slot, node, ['version', '--format', '{{.Server.Version}}'], 5000);
    if (r.code === 0) return pid;
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await sleep(250);
  }
  const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
  throw new LabError(`${node}: dockerd did not answer within ${timeoutMs / 1000} s (${tail})`);
}

/**
 * Depth-first rmdir of a cgroup directory. Its processes are killed first: containers of pods
 * without hostNetwork have a netns of their own, so `down`'s kill by the node's netns misses them,
 * and once their shim is gone nothing else names them; the slot's cgroup does.
 */
function removeCgroupTree(dir: string): void {
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
  try {
    for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean))
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
  } catch {
    /* gone */
  }
  try {
    fs.rmdirSync(dir);
  } catch {
    /* busy (its processes are being reaped) or gone */
  }
}

/**
 * After the slot's netns processes are dead: kills what is left in the per-node cgroup directories
 * its dockerds and kubelets made on the host's hierarchies, removes them and the exec roots. Derived from the slot's names
 * (works after a crash). Returns what is left (a cgroup still holding a process).
 */
export function removeRealNodeLeftovers(slot: number): string[] {
  const prefix = realNodeSlotPrefix(slot);
  const left: string[] = [];
  let controllers: string[] = [];
  try {
    controllers = fs.readdirSync('/sys/fs/cgroup');
  } catch {
    controllers = [];
  }
  for (const c of controllers) {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(path.join('/sys/fs/cgroup', c)).filter((e) => e.startsWith(prefix));
    } catch {
      continue;
    }
    for (const e of entries) {
      const dir = path.join('/sys/fs/cgroup', c, e);
      removeCgroupTree(dir);
      if (fs.existsSync(dir)) left.push(dir);
    }
  }
  try {
    for (const e of fs.readdirSync(realNodeRunDir))
      if (e.startsWith(`${slot}-`)) fs.rmSync(path.join(realNodeRunDir, e), { recursive: true, force: true });
  } catch {
    /* no real node ever ran */
  }
  return left;
}

/** A static pod's current container as `docker inspect` reports it (status.ts's record shape). */
export interface RealContainer {
  name: string;
  pid: number;
  state: string;
  createdAt: string;
  startedAt: string;
}

interface Inspected {
  Created?: string;
  State?: { Status?: string; Pid?: number; StartedAt?: string };
  Config?: { Labels?: Record<string, string> };
}

/** The newest container of each kube-system static pod container (not the sandboxes), by name. */
export async function realNodeContainers(slot: number, node: string): Promise<Map<string, RealContainer>> {
  const found = new Map<string, RealContainer>();
  const ps = await nodeDocker(
    slot,
    node,
    ['ps', '-aq', '--no-trunc', '--filter', 'label=io.kubernetes.pod.namespace=kube-system'],
    10_000,
  );
  const ids = ps.code === 0 ? ps.stdout.split('\n').filter(Boolean) : [];
  if (!ids.length) return found;
  const r = await nodeDocker(slot, node, ['inspect', ...ids], 10_000);
  let list: Inspected[] = [];
  try {
    list = JSON.parse(r.stdout) as Inspected[];
  } catch {
    return found;
  }
  for (const c of list) {
    const name = c.Config?.Labels?.['io.kubernetes.container.name'];
    if (!name || name === 'POD') continue;
    const rec: RealContainer = {
      name,
      pid: c.State?.Pid ?? 0,
      state: c.State?.Status ?? 'unknown',
      createdAt: c.Created ?? '',
      startedAt: c.State?.StartedAt ?? '',
    };
    const prev = found.get(name);
    if (!prev || Date.parse(rec.createdAt) > Date.parse(prev.createdAt)) found.set(name, rec);
  }
  return found;
}
