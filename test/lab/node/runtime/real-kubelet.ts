// `node: real`: the command line of the real kubelet 1.20.2 (kubelet-unit.ts runs it as
// kubelet.service would). Flags as in /work/shared/reference/real-kubernetes.md §4: dockershim on
// the node's own dockerd, static pods from /etc/kubernetes/manifests, the node's real kubelet.conf
// and bootstrap-kubelet.conf (client-certificate rotation and the CSR flow), cgroupfs under a cgroup
// root of its own (several kubelets share this host's hierarchies), no swap check.
import path from 'node:path';
import type { NodeConfig } from '../common/node-config.js';
import { pauseImage, realNodePaths } from '../common/real-node.js';

export function realKubeletArgv(config: NodeConfig): string[] {
  if (!config.realBinDir) throw new Error('node: real needs realBinDir in node.json');
  const p = realNodePaths(config.slot, config.name);
  return [
    path.join(config.realBinDir, 'kubelet'),
    '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf',
    '--kubeconfig=/etc/kubernetes/kubelet.conf',
    '--cert-dir=/var/lib/kubelet/pki',
    '--rotate-certificates=true',
    '--pod-manifest-path=/etc/kubernetes/manifests',
    '--container-runtime=docker',
    `--docker-endpoint=unix://${p.dockerSocket}`,
    // cadvisor's own docker client (image filesystem stats).
    `--docker=unix://${p.dockerSocket}`,
    `--container-runtime-endpoint=unix://${p.dockershimSocket}`,
    `--image-service-endpoint=unix://${p.dockershimSocket}`,
    `--pod-infra-container-image=${pauseImage}`,
    '--fail-swap-on=false',
    '--cgroup-driver=cgroupfs',
    `--cgroup-root=${p.cgroupParent}`,
    '--cgroups-per-qos=false',
    '--enforce-node-allocatable=',
    `--hostname-override=${config.name}`,
    `--node-ip=${config.address}`,
    '--read-only-port=0',
    // Nothing can be pulled in the lab: every image is built locally (infra/real-node-images.ts).
    '--image-gc-high-threshold=100',
    '--eviction-hard=memory.available<1Mi,nodefs.available<1%,imagefs.available<1%',
    '--v=2',
  ];
}
