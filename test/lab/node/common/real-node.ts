// `node: real` (README "Real node"): where a node's real dockerd and real kubelet keep their state.
// Shared by infra (which starts dockerd, builds images, tears down) and the node programs (the
// kubelet unit). Everything is derived from the slot and the node name, so `down` finds it after a
// crash. Paths outside the node's bound folders live on the host's /run (short: unix socket paths
// are limited to 108 bytes, containerd's sit two levels below the exec root).
export interface RealNodePaths {
  /** dockerd's --exec-root (and containerd's state below it); on the host's /run, per node. */
  execRoot: string;
  /** dockerd's API socket (the node's `docker` and the kubelet's --docker-endpoint). */
  dockerSocket: string;
  /** The kubelet's dockershim CRI socket (--container-runtime-endpoint): one per kubelet. */
  dockershimSocket: string;
  dockerdPidFile: string;
  /** dockerd's --data-root, inside the node (bound from its rootfs, so on the lab folder's disk). */
  dataRoot: string;
  /** dockerd's --cgroup-parent and the kubelet's --cgroup-root: one per node, as two kubelets cannot share one. */
  cgroupParent: string;
}

/** The host folder holding every real node's exec root. */
export const realNodeRunDir = '/run/kcrlab/d';
/** Prefix of a slot's exec roots and cgroup directories (the separator keeps slot 1 apart from 10). */
export const realNodeSlotPrefix = (slot: number): string => `kcrlab${slot}-`;

export function realNodePaths(slot: number, node: string): RealNodePaths {
  const execRoot = `${realNodeRunDir}/${slot}-${node}`;
  return {
    execRoot,
    dockerSocket: `${execRoot}/docker.sock`,
    dockershimSocket: `${execRoot}/dockershim.sock`,
    dockerdPidFile: `${execRoot}/dockerd.pid`,
    dataRoot: '/var/lib/kcrlab/docker',
    cgroupParent: `/${realNodeSlotPrefix(slot)}${node}`,
  };
}

/** The runc wrapper dockerd runs as its default runtime (see real-node-runc in infra/real-node.ts). */
export const realNodeRuncWrapper = '/var/lib/kcrlab/bin/kcrlab-runc';
/** The pod sandbox image of 1.20 (kubeadm's default), built from the source's build/pause. */
export const pauseImage = 'k8s.gcr.io/pause:3.2';
