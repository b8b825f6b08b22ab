// Which kubeadm binary renews this master: the node's own when its minor version equals the
// cluster's, else one this tool provisioned beside it (kubeadm-facts.md §4: a skewed kubeadm
// may fall back to default configuration).
import type { NodeFacts } from '../../kube/node-facts.js';
import { parseVersion, sameMinor } from '../../kube/version.js';

export type KubeadmChoice =
  { kind: 'use'; path: string; version: string; provisioned: boolean } | { kind: 'missing'; reason: string };

export function chooseKubeadm(facts: NodeFacts): KubeadmChoice {
  const cluster = parseVersion(facts.kubernetesVersion ?? '');
  if (!cluster) return { kind: 'missing', reason: 'the cluster version is unknown (no kube-apiserver image tag)' };
  const own = parseVersion(facts.kubeadm.version ?? '');
  if (facts.kubeadm.path && own && sameMinor(own, cluster)) {
    return { kind: 'use', path: facts.kubeadm.path, version: own.raw, provisioned: false };
  }
  const provisioned = facts.provisionedKubeadm.find((k) => {
    const v = parseVersion(k.version);
    return v !== undefined && sameMinor(v, cluster);
  });
  if (provisioned) return { kind: 'use', path: provisioned.path, version: provisioned.version, provisioned: true };
  const reason = !facts.kubeadm.path
    ? `kubeadm is not installed (cluster is ${cluster.raw})`
    : `kubeadm ${facts.kubeadm.version ?? '(version unreadable)'} does not match the cluster's ${cluster.raw}`;
  return { kind: 'missing', reason };
}
