// The inventory after loading, validation and inheritance (top level -> cluster -> host, nearest
// wins). Paths are absolute (resolved against the inventory file's folder, `~` expanded).
// Secrets are never stored here: only the NAME of the environment variable that holds them.

export type ClusterType = 'global' | 'standalone';
export type HostRole = 'master' | 'worker';
export type ContainerRuntime = 'docker' | 'containerd';
export type KubeadmProvision = 'none' | 'upload' | 'download';

export interface SshTarget {
  /** Address to connect to (IP or DNS name). */
  address: string;
  /** The name looked up in the SSH config, when its HostName gave a different address. */
  alias?: string;
  /** The OpenSSH client config that filled what the inventory left unset. */
  sshConfigFile?: string;
  port: number;
  user: string;
  /** Private key file (OpenSSH or PEM). */
  identityFile?: string;
  /** Use ssh-agent at this socket (SSH_AUTH_SOCK when `agent: true`). */
  agentSocket?: string;
  /** Environment variable holding the SSH password. */
  passwordEnv?: string;
  /** Environment variable holding the key passphrase. */
  passphraseEnv?: string;
  /** OpenSSH known_hosts files, checked in order. */
  knownHostsFiles: string[];
  connectTimeoutMs: number;
}

export interface SshSettings extends SshTarget {
  /** Jump host, reached first; its host key is checked against its own name. */
  bastion?: SshTarget;
}

export interface BecomeSettings {
  /** Run privileged commands through sudo (ignored when user is root). */
  enabled: boolean;
  /** Environment variable holding the sudo password; without it `sudo -n` is used. */
  passwordEnv?: string;
}

export interface KubeadmSettings {
  provision: KubeadmProvision;
  /** For `upload`: local kubeadm binary; `{version}` and `{arch}` are substituted. */
  localBinary?: string;
  /** For `download`: URL pattern; `{version}` (without v) and `{arch}` are substituted. */
  mirrorUrl: string;
  /** Where a provisioned kubeadm is installed on the node (beside, never over, the node's own). */
  installDir: string;
}

export interface Host {
  /** Inventory name, unique in the inventory. */
  name: string;
  cluster: string;
  role: HostRole;
  ssh: SshSettings;
  become: BecomeSettings;
  /** Free-form variables from the inventory, readable by `when`. */
  vars: Record<string, string | number | boolean>;
}

export interface Cluster {
  name: string;
  type: ClusterType;
  /** Expected Kubernetes version (checked against the nodes when given). */
  kubernetesVersion?: string;
  /** Expected container runtime (checked against the nodes when given). */
  runtime?: ContainerRuntime;
  /** `stacked` (kubeadm-managed etcd on the masters) or `external` (not renewed by kubeadm). */
  etcd: 'stacked' | 'external';
  kubeadm: KubeadmSettings;
  masters: Host[];
  workers: Host[];
  /** Masters of the inventory that --limit left out of this run (their CAs are not compared). */
  mastersLeftOut?: string[];
  vars: Record<string, string | number | boolean>;
}

export interface Inventory {
  /** Absolute path of the file it came from. */
  file: string;
  clusters: Cluster[];
}
