// Kubeconfig files as kubeadm writes them (clientcmd's YAML: keys sorted, no line folding).
import YAML from 'yaml';

export const KUBELET_CLIENT_CURRENT_PEM = '/var/lib/kubelet/pki/kubelet-client-current.pem';

export interface KubeconfigSpec {
  server: string;
  caPem: string;
  userName: string;
  clusterName?: string;
  /** Embedded client certificate and key, or a file holding both (kubelet-client-current.pem). */
  client: { certPem: string; keyPem: string } | { file: string };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const clusterName = spec.clusterName ?? 'kubernetes';
  const contextName = `${spec.userName}@${clusterName}`;
  const user =
    'file' in spec.client
      ? { 'client-certificate': spec.client.file, 'client-key': spec.client.file }
      : { 'client-certificate-data': b64(spec.client.certPem), 'client-key-data': b64(spec.client.keyPem) };
  const doc = {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(spec.caPem), server: spec.server }, name: clusterName }],
    contexts: [{ context: { cluster: clusterName, user: spec.userName }, name: contextName }],
    'current-context': contextName,
    kind: 'Config',
    preferences: {},
    users: [{ name: spec.userName, user }],
  };
  return stringifyYaml(doc);
}

/**
 * /root/.kube/config as TKEStack writes it on its nodes (EnsureKubeconfig in
 * pkg/platform/provider/baremetal/cluster/create.go: cluster named after the TKEStack cluster,
 * user "admin" with the ClusterCredential's token). TKEStack points masters at 127.0.0.1:6443; the
 * lab uses the cluster's endpoint, which every lab serving certificate names.
 */
export function renderTokenKubeconfig(server: string, caPem: string, clusterName: string, token: string): string {
  const contextName = `admin@${clusterName}`;
  return stringifyYaml({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(caPem), server }, name: clusterName }],
    contexts: [{ context: { cluster: clusterName, user: 'admin' }, name: contextName }],
    'current-context': contextName,
    kind: 'Config',
    preferences: {},
    users: [{ name: 'admin', user: { token } }],
  });
}

/** YAML the way Go's sigs.k8s.io/yaml prints it: block style, no folding of long lines. */
export function stringifyYaml(value: unknown): string {
  return YAML.stringify(value, { lineWidth: 0, minContentWidth: 0, indentSeq: false });
}
