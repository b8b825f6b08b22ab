// The topology file: which clusters the lab simulates (see test/lab/README.md).
import { z } from 'zod';

/** Kubernetes versions are plain `x.y.z` (no `v`). */
const version = z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a version like 1.18.3');
/** DNS-label-like: it becomes part of node names, hostnames and netns names. */
const name = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, 'lower-case letters, digits and -, at most 32');

/** Settings a cluster may take from the topology's `defaults`. */
const clusterSettings = z.strictObject({
  type: z.enum(['global', 'standalone']),
  kubernetesVersion: version,
  runtime: z.enum(['docker', 'containerd']),
  masters: z.number().int().min(1).max(9),
  workers: z.number().int().min(0).max(240),
  /** Leaf certificates were issued this many days ago (365 d validity; > 365 = expired). */
  certAgeDays: z.number().int().min(0).max(36500),
  kubeletConfEmbedded: z.boolean(),
  controlPlaneEndpoint: z.string().regex(/^[a-z0-9.-]+:\d+$/, 'expected host:port'),
  /** `same` (the cluster version), `none` (no kubeadm on the nodes) or a version. */
  kubeadmVersion: z.union([z.literal('same'), z.literal('none'), version]),
  /** TKEStack `tke/certs` ConfigMap shape; global clusters only. */
  tkeCertsShape: z.enum(['1.2', '1.3']),
  /** PKI files and sshd only: no kubelet, no static pods. */
  light: z.boolean(),
  /** `real`: the real kubeadm, kube-apiserver, controller-manager and scheduler (1.20.2 only). */
  components: z.enum(['simulated', 'real']),
  /** kubelet.service: `simulated` (systemctl waits for the kubelet's checks, `failed` on a fatal
   *  start) or `real` (systemd's Restart=always, RestartSec=10: never failed). */
  systemd: z.enum(['simulated', 'real']),
  /** Docker masters also get crictl listing the same containers (cri-tools on dockershim). */
  crictlOnDocker: z.boolean(),
  /** An `etcdctl` in /usr/local/bin (TKEStack installs none). */
  hostEtcdctl: z.boolean(),
  /** etcd's JSON gateway on the client port: `v3` (etcd 3.4: /v3 and /v3beta) or `v3beta` (etcd 3.3:
   *  /v3/* answers Go's 404 page; gRPC unchanged). */
  etcdGateway: z.enum(['v3', 'v3beta']),
  /** `real` (components: real, docker, masters only): each master runs a real dockerd and the real
   *  kubelet, the control plane as real containers (README "Real node"). Implies `systemd: real`. */
  node: z.enum(['simulated', 'real']),
  /** /root/.kube/config on every node is TKEStack's token kubeconfig (never expires), not admin.conf's copy. */
  tkeTokenKubeconfig: z.boolean(),
  /** Global only: its API serves TKEStack's Cluster, Machine and ClusterCredential objects for
   *  every cluster of the topology (and an Imported one), as tke-platform-api does. */
  tkePlatform: z.boolean(),
});

export const topologySchema = z.strictObject({
  defaults: clusterSettings.partial().optional(),
  clusters: z.array(clusterSettings.partial().extend({ name })).min(1),
});

export type TopologyFile = z.infer<typeof topologySchema>;
export type ClusterSettings = z.infer<typeof clusterSettings>;

/** Values used when neither the cluster nor `defaults` sets a field. */
export const builtinDefaults: ClusterSettings = {
  type: 'standalone',
  kubernetesVersion: '1.21.4',
  runtime: 'containerd',
  masters: 1,
  workers: 0,
  certAgeDays: 30,
  kubeletConfEmbedded: false,
  controlPlaneEndpoint: 'api.tke.com:6443',
  kubeadmVersion: 'same',
  tkeCertsShape: '1.3',
  light: false,
  components: 'simulated',
  systemd: 'simulated',
  crictlOnDocker: false,
  hostEtcdctl: true,
  etcdGateway: 'v3',
  node: 'simulated',
  tkeTokenKubeconfig: false,
  tkePlatform: false,
};
