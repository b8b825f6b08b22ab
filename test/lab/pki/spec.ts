// The cluster description infra hands to buildClusterFiles (test/lab/CONTRACT.md), and the file type.

export interface LabClusterSpec {
  name: string;
  type: 'global' | 'standalone';
  /** e.g. "1.18.3" */
  kubernetesVersion: string;
  runtime: 'docker' | 'containerd';
  /** e.g. "api.tke.com:6443" */
  controlPlaneEndpoint: string;
  masters: { name: string; address: string }[];
  workers: { name: string; address: string }[];
  /** Leaf certs issued this many days ago (365 d validity; >365 = expired). */
  certAgeDays: number;
  /** kubelet.conf embeds a client cert (expired when certAgeDays > 365). */
  kubeletConfEmbedded: boolean;
  /** Installed on the nodes (null = none). */
  kubeadmVersion: string | null;
  /** Global clusters only. */
  tkeCertsShape: '1.2' | '1.3' | null;
  /** PKI files and kubeconfigs only: no manifests, no seed. */
  light: boolean;
  /** `real`: the real 1.20.2 components run from the manifests (seed objects as kubeadm init leaves them). */
  components?: 'simulated' | 'real';
  /** TKEStack's token kubeconfig: /root/.kube/config on every node holds this bearer token (never
   *  expires), the masters' kube-apiserver takes it from --token-auth-file. Unset: admin.conf's copy. */
  rootKubeconfigToken?: string;
  /** More objects for the seed (the global cluster's TKEStack platform objects). */
  extraSeed?: unknown[];
}

export interface NodeFile {
  /** Relative to the node's root, no leading slash. */
  path: string;
  data: string | Buffer;
  mode: number;
}

export const SECRET_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
