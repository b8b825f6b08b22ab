// Paths inside a lab node (see test/lab/CONTRACT.md). Node programs run inside the node's mount
// namespace, so these are the real paths there. KCRLAB_ROOT re-roots them for unit tests that run
// a node program outside a namespace.
import path from 'node:path';

const root = process.env.KCRLAB_ROOT ?? '/';
const p = (...parts: string[]): string => path.join(root, ...parts);

export const nodePaths = {
  kubernetesDir: p('etc/kubernetes'),
  pkiDir: p('etc/kubernetes/pki'),
  manifestsDir: p('etc/kubernetes/manifests'),
  etcdDataDir: p('var/lib/etcd'),
  kubeletDir: p('var/lib/kubelet'),
  kubeletPkiDir: p('var/lib/kubelet/pki'),
  labDir: p('var/lib/kcrlab'),
  nodeJson: p('var/lib/kcrlab/node.json'),
  faultsJson: p('var/lib/kcrlab/faults.json'),
  seedJson: p('var/lib/kcrlab/seed.json'),
  runtimeDir: p('var/lib/kcrlab/runtime'),
  containersDir: p('var/lib/kcrlab/runtime/containers'),
  containerLogsDir: p('var/lib/kcrlab/runtime/logs'),
  kubeletPid: p('var/lib/kcrlab/runtime/kubelet.pid'),
  kubeletLog: p('var/lib/kcrlab/runtime/kubelet.log'),
  kubeletState: p('var/lib/kcrlab/runtime/kubelet.state'),
  /** Lab switch: every kubelet start exits 255 this many ms after it started (kubelet-healthz.ts). */
  kubeletExitAfterMs: p('var/lib/kcrlab/kubelet-exit-after-ms'),
  /** components: real: written once the node agent has registered its Node and mirror pods (node-agent.ts). */
  nodeRegistered: p('var/lib/kcrlab/runtime/node-registered'),
  /** systemd: real: the kubelet unit's state as systemd keeps it (systemd-unit.ts). */
  kubeletUnit: p('var/lib/kcrlab/runtime/kubelet.unit.json'),
  bootstrapKubeletConf: p('etc/kubernetes/bootstrap-kubelet.conf'),
  kubeletConf: p('etc/kubernetes/kubelet.conf'),
} as const;
