// The configuration kubeadm_renew gives kubeadm with --config (src/kube/kubeadm-config.ts says why):
// on the rolling path the cluster's own kube-system/kubeadm-config, read once by cluster_preflight;
// on the recovery path (API down) one derived from the node's manifests.
import type { ModuleContext } from '../../playbook/types.js';
import {
  DEFAULT_CERTIFICATES_DIR,
  derivedClusterConfiguration,
  issuedValidityPeriod,
  nodeNameFromSubject,
  renewConfigFile,
  summarizeClusterConfiguration,
  type ClusterConfigSummary,
  type KubeadmConfigSource,
} from '../../kube/kubeadm-config.js';
import type { NodeFacts } from '../../kube/node-facts.js';
import { atLeast, type KubeVersion } from '../../kube/version.js';
import { kubectlJson } from './kubectl.js';
import { renewalPath } from './state.js';

const HINT = 'without it kubeadm would renew with its default configuration; nothing was changed';

/** Reads kube-system/kubeadm-config and checks it describes what the tool renews. */
export async function readClusterKubeadmConfig(
  ctx: ModuleContext,
): Promise<{ text: string; summary: ClusterConfigSummary }> {
  let cm: { data?: Record<string, string> };
  try {
    cm = await kubectlJson(ctx, ['-n', 'kube-system', 'get', 'configmap', 'kubeadm-config']);
  } catch (err) {
    throw ctx.fail(`cannot read kube-system/kubeadm-config: ${(err as Error).message}`, HINT);
  }
  const text = cm.data?.ClusterConfiguration;
  if (!text) throw ctx.fail('kube-system/kubeadm-config has no ClusterConfiguration', HINT);
  let summary: ClusterConfigSummary;
  try {
    summary = summarizeClusterConfiguration(text);
  } catch (err) {
    throw ctx.fail(`kube-system/kubeadm-config: ${(err as Error).message}`, HINT);
  }
  const problems: string[] = [];
  if (summary.certificatesDir !== DEFAULT_CERTIFICATES_DIR)
    problems.push(
      `its certificatesDir is ${summary.certificatesDir}; this tool renews ${DEFAULT_CERTIFICATES_DIR} only`,
    );
  const inventoryEtcd = ctx.cluster.etcd === 'stacked' ? 'local' : 'external';
  if (summary.etcd !== inventoryEtcd)
    problems.push(`it says etcd is ${summary.etcd} but the inventory says etcd: ${ctx.cluster.etcd}`);
  if (problems.length) throw ctx.fail(`kube-system/kubeadm-config: ${problems.join('; ')}`, 'nothing was changed');
  return { text, summary };
}

/** The --config file for this master, and where its ClusterConfiguration came from. */
export function renewConfigFor(
  ctx: ModuleContext,
  version: KubeVersion,
  facts: NodeFacts,
): { file: string; source: KubeadmConfigSource } {
  const flags = facts.apiserverFlags;
  let cluster: { text: string; summary: ClusterConfigSummary };
  let source: KubeadmConfigSource;
  if (renewalPath(ctx) === 'expired-recovery') {
    const validity = atLeast(version, 1, 31) ? issuedValidityPeriod(facts.certs.apiserver ?? {}) : undefined;
    cluster = derivedClusterConfiguration(version, flags, facts.manifests.includes('etcd.yaml'), validity);
    source = validity
      ? `static pod manifests, certificateValidityPeriod ${validity} from apiserver.crt`
      : 'static pod manifests';
  } else {
    const read = ctx.clusterFacts.kubeadmConfig;
    if (!read) throw ctx.fail('the cluster configuration was not read (cluster_preflight must run first)');
    cluster = read;
    source = 'kubeadm-config ConfigMap';
  }
  const port = Number(flags['secure-port']);
  const file = renewConfigFile(cluster.text, cluster.summary.apiVersion, version, {
    nodeName: nodeNameFromSubject(facts.kubeletConf.subject),
    runtime: facts.runtime,
    advertiseAddress: flags['advertise-address'],
    bindPort: Number.isInteger(port) && port > 0 ? port : undefined,
  });
  return { file, source };
}
