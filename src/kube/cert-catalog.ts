// kubeadm's certificate table (kubeadm-facts.md §1-3), as data: one row per certificate kubeadm
// renews, in the order `renew all` uses (sorted handler names), plus the CAs it never renews.
import { atLeast, type KubeVersion } from './version.js';

export type CaName = 'ca' | 'front-proxy-ca' | 'etcd-ca';
export type CertKind = 'file' | 'kubeconfig';

export interface CatalogCert {
  /** kubeadm's handler name: `kubeadm certs renew <name>`. */
  name: string;
  kind: CertKind;
  /** For files: the .crt path; for kubeconfigs: the .conf path. Relative to /etc/kubernetes. */
  path: string;
  /** For files: the .key path. */
  keyPath?: string;
  ca: CaName;
  /** kubeadm's LongName, as printed by `renew`. */
  longName: string;
  /** Only stacked (local) etcd clusters have it. */
  etcdOnly?: boolean;
  /** First Kubernetes minor that renews it. */
  since?: [number, number];
  /** Present only on the node where `kubeadm init` ran (super-admin.conf). */
  initNodeOnly?: boolean;
}

export const CERT_CATALOG: readonly CatalogCert[] = [
  {
    name: 'admin.conf',
    kind: 'kubeconfig',
    path: 'admin.conf',
    ca: 'ca',
    longName: 'certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself',
  },
  {
    name: 'apiserver',
    kind: 'file',
    path: 'pki/apiserver.crt',
    keyPath: 'pki/apiserver.key',
    ca: 'ca',
    longName: 'certificate for serving the Kubernetes API',
  },
  {
    name: 'apiserver-etcd-client',
    kind: 'file',
    path: 'pki/apiserver-etcd-client.crt',
    keyPath: 'pki/apiserver-etcd-client.key',
    ca: 'etcd-ca',
    etcdOnly: true,
    longName: 'certificate the apiserver uses to access etcd',
  },
  {
    name: 'apiserver-kubelet-client',
    kind: 'file',
    path: 'pki/apiserver-kubelet-client.crt',
    keyPath: 'pki/apiserver-kubelet-client.key',
    ca: 'ca',
    longName: 'certificate for the API server to connect to kubelet',
  },
  {
    name: 'controller-manager.conf',
    kind: 'kubeconfig',
    path: 'controller-manager.conf',
    ca: 'ca',
    longName: 'certificate embedded in the kubeconfig file for the controller manager to use',
  },
  {
    name: 'etcd-healthcheck-client',
    kind: 'file',
    path: 'pki/etcd/healthcheck-client.crt',
    keyPath: 'pki/etcd/healthcheck-client.key',
    ca: 'etcd-ca',
    etcdOnly: true,
    longName: 'certificate for liveness probes to healthcheck etcd',
  },
  {
    name: 'etcd-peer',
    kind: 'file',
    path: 'pki/etcd/peer.crt',
    keyPath: 'pki/etcd/peer.key',
    ca: 'etcd-ca',
    etcdOnly: true,
    longName: 'certificate for etcd nodes to communicate with each other',
  },
  {
    name: 'etcd-server',
    kind: 'file',
    path: 'pki/etcd/server.crt',
    keyPath: 'pki/etcd/server.key',
    ca: 'etcd-ca',
    etcdOnly: true,
    longName: 'certificate for serving etcd',
  },
  {
    name: 'front-proxy-client',
    kind: 'file',
    path: 'pki/front-proxy-client.crt',
    keyPath: 'pki/front-proxy-client.key',
    ca: 'front-proxy-ca',
    longName: 'certificate for the front proxy client',
  },
  {
    name: 'scheduler.conf',
    kind: 'kubeconfig',
    path: 'scheduler.conf',
    ca: 'ca',
    longName: 'certificate embedded in the kubeconfig file for the scheduler manager to use',
  },
  {
    name: 'super-admin.conf',
    kind: 'kubeconfig',
    path: 'super-admin.conf',
    ca: 'ca',
    since: [1, 29],
    initNodeOnly: true,
    longName: 'certificate embedded in the kubeconfig file for the super-admin',
  },
];

export interface CatalogCa {
  name: CaName;
  crt: string;
  key: string;
}

export const CA_CATALOG: readonly CatalogCa[] = [
  { name: 'ca', crt: 'pki/ca.crt', key: 'pki/ca.key' },
  { name: 'front-proxy-ca', crt: 'pki/front-proxy-ca.crt', key: 'pki/front-proxy-ca.key' },
  { name: 'etcd-ca', crt: 'pki/etcd/ca.crt', key: 'pki/etcd/ca.key' },
];

/** Service-account keys: never renewed; their hash must not change (tokens stay valid). */
export const SERVICE_ACCOUNT_KEYS = ['pki/sa.key', 'pki/sa.pub'] as const;

/** The certificates `kubeadm certs renew all` handles for this version and etcd mode. */
export function renewableCerts(version: KubeVersion, etcd: 'stacked' | 'external'): CatalogCert[] {
  return CERT_CATALOG.filter(
    (c) => (!c.since || atLeast(version, c.since[0], c.since[1])) && !(etcd === 'external' && c.etcdOnly),
  );
}

export function certByLongName(longName: string): CatalogCert | undefined {
  return CERT_CATALOG.find((c) => c.longName === longName);
}
