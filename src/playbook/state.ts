// What modules leave for each other and for the report, typed: each field names the module that
// writes it. Playbook conditions read HostFacts as `facts.<field>` and the plain values of
// ClusterFacts as `cluster.state.<field>` (docs/playbooks.md, "What a playbook can read").
import type { CertChange, CertLine } from '../kube/cert-lines.js';
import type { ClusterConfigSummary } from '../kube/kubeadm-config.js';
import type { EtcdBackup } from '../kube/etcd-backup.js';
import type { NodeFacts } from '../kube/node-facts.js';
import type { ServedCert } from '../kube/served.js';
import type { ComponentRestart } from '../kube/restart-proof.js';

/** How the cluster is renewed: rolling (healthy cluster) or recovery (certificates already expired). */
export type RenewalPath = 'rolling' | 'expired-recovery';

/** One host's facts during a run. */
export interface HostFacts {
  /** node_facts; refreshed after kubeadm_renew, kubeadm_provision and restore_backup. */
  node?: NodeFacts;
  /** preflight: a certificate is due (or the renewal is forced, or an earlier one did not finish). */
  due?: boolean;
  /** preflight: a kubeadm of the cluster's minor version is on the node. */
  kubeadmReady?: boolean;
  /** backup: this run's backup directory on the node (restore_backup restores from it). */
  backupDir?: string;
  /** How the backup saved etcd: the method, whether it is consistent, the ways that failed first. */
  etcdBackup?: EtcdBackup;
  /** kubeadm_renew: the node facts just before the renewal (kubeconfigs and restore_backup compare with them). */
  factsBefore?: NodeFacts;
  /** restart_control_plane: some component of this host was restarted in this run. */
  restartedAny?: boolean;
}

/** One cluster's facts during a run, shared by its hosts. */
export interface ClusterFacts {
  /** cluster_preflight. */
  path?: RenewalPath;
  /** cluster_preflight or wait_healthy: the etcd client URLs, as the member list gave them. */
  etcdUrls?: string[];
  /** kubeadm_renew: some master of the cluster was renewed in this run. */
  renewedAny?: boolean;
  /** cluster_preflight (rolling path): kube-system/kubeadm-config's ClusterConfiguration, given to kubeadm with --config. */
  kubeadmConfig?: { text: string; summary: ClusterConfigSummary };
}

/** What node_facts publishes about the node. */
export type NodeSummary = Pick<
  NodeFacts,
  | 'kubernetesVersion'
  | 'runtime'
  | 'runtimeReason'
  | 'kubeletState'
  | 'kubeletConf'
  | 'clockSkewMs'
  | 'isControlPlane'
  | 'unfinishedRenewalBackup'
> & {
  kubeadmVersion?: string;
};

/** What modules publish into a host's summary (`--json`, the check report). Never a secret. */
export interface HostReport {
  node?: NodeSummary;
  certificatesBefore?: CertLine[];
  served?: ServedCert[];
  apiserverStartedAt?: string;
  servedProblems?: string[];
  /** served_certs: per component, whether it started after its credential files last changed. */
  restarts?: ComponentRestart[];
  backupDir?: string;
  /** How the backup saved etcd: the method, whether it is consistent, the ways that failed first. */
  etcdBackup?: EtcdBackup;
  /** kubeadm_renew (before/after), or restore_backup (renewed/restored). */
  certificates?: CertChange[];
  kubeadm?: string;
  kubeadmCommand?: string[];
  /** kubeadm_renew: where the configuration given with --config came from. */
  kubeadmConfigSource?: string;
  kubeconfigsCopied?: string[];
  /** Component -> the start time of its new container. */
  restartedAt?: Record<string, string>;
  healthyAfterSeconds?: number;
  rolledBackFrom?: string;
}

/** What modules publish into a cluster's summary. */
export interface ClusterReport {
  path?: RenewalPath;
  /** `host:certificate` pairs already expired (the recovery path). */
  expired?: string[];
  /** Masters that served certificates other than those on disk before the run. */
  servedNotOnDiskBefore?: string[];
  tkeCertsBackup?: string;
  tkeApisRestarted?: string[];
}
