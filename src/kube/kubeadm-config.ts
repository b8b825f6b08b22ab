// The configuration kubeadm renews with, given with `--config` so that it never guesses. Without it,
// kubeadm 1.17+ reads kube-system/kubeadm-config and, when that read fails for any reason (API down,
// version skew, a missing ConfigMap), silently renews with its defaults (kubeadm-facts.md §4).
// With --config, kubeadm reads only the file (LoadOrDefaultInitConfiguration), then applies its
// dynamic defaults: node name from the hostname, the CRI socket by probing, the advertise address
// from the default route. Those three are given here too, so that no probe can fail a renewal.
// Pure: no I/O.
import { parseAllDocuments, stringify } from 'yaml';
import type { RuntimeName } from './runtime.js';
import { atLeast, type KubeVersion } from './version.js';

export const DEFAULT_CERTIFICATES_DIR = '/etc/kubernetes/pki';

/** Where the ClusterConfiguration came from: the cluster's ConfigMap, or the node's manifests (API down),
 *  with what else was derived from the node. */
export type KubeadmConfigSource = 'kubeadm-config ConfigMap' | `static pod manifests${string}`;

export interface ClusterConfigSummary {
  apiVersion: string;
  certificatesDir: string;
  etcd: 'local' | 'external';
}

/** The kubeadm API version a kubeadm of this minor writes (kubeadm-facts.md §4): v1beta2 1.15-1.21, v1beta3 1.22-1.30, v1beta4 1.31+. */
export function kubeadmApiVersion(v: KubeVersion): string {
  if (atLeast(v, 1, 31)) return 'kubeadm.k8s.io/v1beta4';
  if (atLeast(v, 1, 22)) return 'kubeadm.k8s.io/v1beta3';
  return 'kubeadm.k8s.io/v1beta2';
}

/**
 * Reads the ClusterConfiguration text of kube-system/kubeadm-config: what the renewal depends on
 * (where the PKI lives, local or external etcd). Throws a message naming what is wrong.
 */
export function summarizeClusterConfiguration(text: string): ClusterConfigSummary {
  const docs = parseAllDocuments(text);
  const doc = docs[0];
  if (!doc || docs.length !== 1) throw new Error('ClusterConfiguration is not a single YAML document');
  if (doc.errors.length) throw new Error(`ClusterConfiguration is not valid YAML: ${doc.errors[0]?.message}`);
  const obj = doc.toJS() as Record<string, unknown> | null;
  if (!obj || typeof obj !== 'object') throw new Error('ClusterConfiguration is empty');
  if (obj.kind !== 'ClusterConfiguration') throw new Error(`kind is ${String(obj.kind)}, not ClusterConfiguration`);
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  if (!apiVersion.startsWith('kubeadm.k8s.io/'))
    throw new Error(`apiVersion ${apiVersion || '(none)'} is not kubeadm's`);
  const etcd = (obj.etcd ?? {}) as Record<string, unknown>;
  return {
    apiVersion,
    certificatesDir: typeof obj.certificatesDir === 'string' ? obj.certificatesDir : DEFAULT_CERTIFICATES_DIR,
    etcd: etcd.external ? 'external' : 'local',
  };
}

/** What the node says about itself, for the InitConfiguration document. */
export interface NodeIdentity {
  /** The Node's name (kubelet.conf's client certificate, `system:node:<name>`); omitted: kubeadm uses the hostname. */
  nodeName?: string;
  runtime?: RuntimeName;
  /** kube-apiserver's --advertise-address; omitted: kubeadm picks the default route's address. */
  advertiseAddress?: string;
  /** kube-apiserver's --secure-port (default 6443). */
  bindPort?: number;
}

/** The CRI socket kubeadm records for a runtime (the Node annotation kubeadm.alpha.kubernetes.io/cri-socket). */
export function criSocket(v: KubeVersion, runtime: RuntimeName): string {
  // 1.24 removed dockershim (cri-dockerd) and deprecated sockets without a URL scheme.
  if (atLeast(v, 1, 24))
    return runtime === 'docker' ? 'unix:///var/run/cri-dockerd.sock' : 'unix:///run/containerd/containerd.sock';
  return runtime === 'docker' ? '/var/run/dockershim.sock' : '/run/containerd/containerd.sock';
}

/** The node name in a kubelet client certificate's subject ("O=system:nodes, CN=system:node:m1"). */
export function nodeNameFromSubject(subject: string | undefined): string | undefined {
  return /(?:^|[,/]\s*)CN=system:node:([^,/\s]+)/.exec(subject ?? '')?.[1];
}

/**
 * The file given to `kubeadm certs renew --config`: an InitConfiguration with this node's identity
 * (same API version as the ClusterConfiguration, which kubeadm decodes per document), then the
 * ClusterConfiguration as the cluster holds it, byte for byte.
 */
export function renewConfigFile(
  clusterConfiguration: string,
  apiVersion: string,
  v: KubeVersion,
  node: NodeIdentity,
): string {
  const nodeRegistration: Record<string, string> = {};
  if (node.nodeName) nodeRegistration.name = node.nodeName;
  if (node.runtime) nodeRegistration.criSocket = criSocket(v, node.runtime);
  const init: Record<string, unknown> = { apiVersion, kind: 'InitConfiguration' };
  if (Object.keys(nodeRegistration).length) init.nodeRegistration = nodeRegistration;
  if (node.advertiseAddress)
    init.localAPIEndpoint = { advertiseAddress: node.advertiseAddress, bindPort: node.bindPort ?? 6443 };
  const cluster = clusterConfiguration.endsWith('\n') ? clusterConfiguration : `${clusterConfiguration}\n`;
  return `${stringify(init)}---\n${cluster}`;
}

/** What the node's kube-apiserver manifest says, as much as a ClusterConfiguration needs. */
export interface ApiserverFlags {
  'etcd-servers'?: string;
  'etcd-cafile'?: string;
  'etcd-certfile'?: string;
  'etcd-keyfile'?: string;
  'client-ca-file'?: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** kubeadm 1.31+ backdates what it issues by CertificateBackdate (5 min, constants.go). */
const BACKDATE_MS = 5 * MINUTE_MS;
/** Seconds between two dates kubeadm takes from one clock reading (or from two a moment apart). */
const WHOLE_HOUR_SLACK_MS = 10_000;

/**
 * The validity period a leaf certificate was issued with, as a v1beta4 `certificateValidityPeriod`
 * (a Go duration, e.g. `8760h0m0s`), for kubeadm 1.31+ to renew with the cluster's own setting when
 * kubeadm-config cannot be read. kubeadm 1.31+ issues NotBefore = t - 5 min and NotAfter = t + period
 * from one t (certlist.go GetConfig, CertificateBackdate), so the span less 5 minutes is a whole
 * number of hours to the second; a certificate issued without the backdate (another tool) spans
 * whole hours itself. Any other span says nothing: kubeadm before 1.31 copied the CA's NotBefore,
 * so a certificate it renewed later spans the CA's age too (it always issued for 8760h, which is
 * also what kubeadm then defaults to). Undefined then, or for unreadable dates.
 */
export function issuedValidityPeriod(cert: { notBefore?: string; notAfter?: string }): string | undefined {
  const from = Date.parse(cert.notBefore ?? '');
  const to = Date.parse(cert.notAfter ?? '');
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) return undefined;
  for (const backdate of [BACKDATE_MS, 0]) {
    const hours = Math.round((to - from - backdate) / HOUR_MS);
    if (hours >= 1 && Math.abs(to - from - backdate - hours * HOUR_MS) <= WHOLE_HOUR_SLACK_MS) return `${hours}h0m0s`;
  }
  return undefined;
}

/**
 * A ClusterConfiguration derived from the node's manifests, for the recovery path: with expired
 * certificates the API server cannot serve kubeadm-config. Only what renewal reads matters: where
 * the PKI lives (the directory of --client-ca-file) and whether etcd is local (an etcd manifest) or
 * external (then kubeadm renews no etcd certificate), and on 1.31+ the validity period the old
 * certificates were issued with (issuedValidityPeriod). Everything else keeps kubeadm's defaults,
 * which renewal does not use: renewed certificates copy the old ones' subjects and SANs.
 */
export function derivedClusterConfiguration(
  v: KubeVersion,
  flags: ApiserverFlags,
  etcdManifest: boolean,
  certificateValidityPeriod?: string,
): { text: string; summary: ClusterConfigSummary } {
  const apiVersion = kubeadmApiVersion(v);
  const caFile = flags['client-ca-file'];
  const certificatesDir =
    caFile && caFile.includes('/') ? caFile.slice(0, caFile.lastIndexOf('/')) : DEFAULT_CERTIFICATES_DIR;
  const external = !etcdManifest && Boolean(flags['etcd-servers']);
  const etcd = external
    ? {
        external: {
          endpoints: (flags['etcd-servers'] ?? '').split(',').filter(Boolean),
          caFile: flags['etcd-cafile'] ?? '',
          certFile: flags['etcd-certfile'] ?? '',
          keyFile: flags['etcd-keyfile'] ?? '',
        },
      }
    : { local: { dataDir: '/var/lib/etcd' } };
  const doc: Record<string, unknown> = {
    apiVersion,
    kind: 'ClusterConfiguration',
    kubernetesVersion: `v${v.major}.${v.minor}.${v.patch}`,
    certificatesDir,
    etcd,
  };
  // v1beta4 (1.31+) only: older kubeadm has no such field and always issues for a year.
  if (certificateValidityPeriod && atLeast(v, 1, 31)) doc.certificateValidityPeriod = certificateValidityPeriod;
  return { text: stringify(doc), summary: { apiVersion, certificatesDir, etcd: external ? 'external' : 'local' } };
}
