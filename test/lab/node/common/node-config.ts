// node.json and faults.json: what the lab tells a node's programs (see CONTRACT.md).
import fs from 'node:fs';
import { nodePaths } from './paths.js';

export interface NodeConfig {
  name: string;
  cluster: string;
  clusterType: 'global' | 'standalone';
  role: 'master' | 'worker';
  address: string;
  slot: number;
  kubernetesVersion: string;
  runtime: 'docker' | 'containerd';
  controlPlaneEndpoint: string;
  masters: { name: string; address: string }[];
  etcdMembers: { name: string; peerURL: string }[];
  nodeBin: string;
  labDist: string;
  light: boolean;
  kubeletCheckIntervalMs: number;
  /** `real`: static pods run the real binaries in realBinDir, and the kubelet does a kubelet's API work. */
  components?: 'simulated' | 'real';
  realBinDir?: string;
  // Topology options (test/lab/README.md "Topology files"); absent means the default.
  /** kubelet.service as systemd runs it (Restart=always, RestartSec=10) or the lab's simulated one (default). */
  systemd?: 'simulated' | 'real';
  /** Docker masters also have a crictl on the dockershim socket (cri-tools). Default false. */
  crictlOnDocker?: boolean;
  /** `v3beta`: etcd's client port answers as etcd 3.3's (runtime/etcd-v3beta.ts). Default `v3`. */
  etcdGateway?: 'v3' | 'v3beta';
  /** `real`: the real kubelet and a real dockerd of the node's own run the static pods (common/real-node.ts). */
  node?: 'simulated' | 'real';
}

export interface NodeFaults {
  kubeadmRenewFail?: boolean;
  apiserverNotReadyNextStart?: boolean;
  slowStartSeconds?: number;
  /** etcd serves only this long after each start (a large data directory being replayed). */
  etcdSlowStartSeconds?: number;
  etcdStopped?: boolean;
  clockSkewSeconds?: number;
  /** One shot: the program running this step of the tool cuts its SSH session (session-drop.ts). */
  sshDropDuring?: 'backup' | 'renew' | 'kubeconfig' | 'restart';
}

export function readNodeConfig(): NodeConfig {
  return JSON.parse(fs.readFileSync(nodePaths.nodeJson, 'utf8')) as NodeConfig;
}

export function readFaults(): NodeFaults {
  try {
    return JSON.parse(fs.readFileSync(nodePaths.faultsJson, 'utf8')) as NodeFaults;
  } catch {
    return {};
  }
}

/** Rewrites faults.json atomically (used to consume one-shot faults). */
export function writeFaults(faults: NodeFaults): void {
  const tmp = `${nodePaths.faultsJson}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(faults, null, 2));
  fs.renameSync(tmp, nodePaths.faultsJson);
}
