// The certificates of a kubeadm cluster: one CA set shared by the masters (kubeadm HA), and each
// master's and worker's leaf certificates with kubeadm's subjects, SANs and usages.
import { DAY_MS, issueCert, type CertRequest, type Issued, type Signer } from './certs.js';
import { takeKey, type LabKey } from './keys.js';
import { atLeast, type KubeVersion } from './version.js';

export const LEAF_VALIDITY_DAYS = 365;
export const CA_VALIDITY_DAYS = 3650;
export const SERVICE_IP = '10.96.0.1';

export interface CaSet {
  ca: Issued;
  frontProxyCa: Issued;
  etcdCa: Issued;
  sa: LabKey;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export interface IssueContext {
  version: KubeVersion;
  /** The cluster's creation: leaves and CAs start here. */
  createdAt: Date;
  reuseKeys: boolean;
}

export function leafValidity(createdAt: Date): Validity {
  return { notBefore: createdAt, notAfter: new Date(createdAt.getTime() + LEAF_VALIDITY_DAYS * DAY_MS) };
}

export function makeCaSet(ctx: IssueContext): CaSet {
  const validity = {
    notBefore: ctx.createdAt,
    notAfter: new Date(ctx.createdAt.getTime() + CA_VALIDITY_DAYS * DAY_MS),
  };
  const ca = (commonName: string): Issued => issueCert({ commonName, isCA: true, ...validity }, takeKey(ctx.reuseKeys));
  return {
    ca: ca('kubernetes'),
    frontProxyCa: ca('front-proxy-ca'),
    etcdCa: ca('etcd-ca'),
    sa: takeKey(ctx.reuseKeys),
  };
}

export function issueLeaf(ctx: IssueContext, req: Omit<CertRequest, 'notBefore' | 'notAfter'>, signer: Signer): Issued {
  return issueCert({ ...req, ...leafValidity(ctx.createdAt) }, takeKey(ctx.reuseKeys), signer);
}

export interface MasterIdentity {
  name: string;
  address: string;
  /** Host part of controlPlaneEndpoint. */
  endpointHost: string;
}

const IP_RE = /^(\d+\.){3}\d+$|:/;

/** kubeadm's per-master PKI certificates, keyed by the path under /etc/kubernetes/pki (no suffix). */
export function masterLeafRequests(
  version: KubeVersion,
  node: MasterIdentity,
): { base: string; signer: keyof Omit<CaSet, 'sa'>; req: Omit<CertRequest, 'notBefore' | 'notAfter'> }[] {
  const apiserverDns = [
    node.name,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
  ];
  const apiserverIps = [SERVICE_IP, node.address];
  if (IP_RE.test(node.endpointHost)) {
    if (!apiserverIps.includes(node.endpointHost)) apiserverIps.push(node.endpointHost);
  } else if (!apiserverDns.includes(node.endpointHost)) {
    apiserverDns.push(node.endpointHost);
  }
  const etcdSans = { dnsNames: [node.name, 'localhost'], ipAddresses: [node.address, '127.0.0.1', '::1'] };
  // kubeadm dropped system:masters from the two etcd client certs (etcd ignores O) around 1.27.
  const etcdClientOrg = atLeast(version, 27) ? [] : ['system:masters'];
  return [
    {
      base: 'apiserver',
      signer: 'ca',
      req: { commonName: 'kube-apiserver', dnsNames: apiserverDns, ipAddresses: apiserverIps, usages: ['serverAuth'] },
    },
    {
      base: 'apiserver-kubelet-client',
      signer: 'ca',
      req: { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usages: ['clientAuth'] },
    },
    {
      base: 'apiserver-etcd-client',
      signer: 'etcdCa',
      req: { commonName: 'kube-apiserver-etcd-client', organizations: etcdClientOrg, usages: ['clientAuth'] },
    },
    {
      base: 'front-proxy-client',
      signer: 'frontProxyCa',
      req: { commonName: 'front-proxy-client', usages: ['clientAuth'] },
    },
    {
      base: 'etcd/server',
      signer: 'etcdCa',
      req: { commonName: node.name, ...etcdSans, usages: ['serverAuth', 'clientAuth'] },
    },
    {
      base: 'etcd/peer',
      signer: 'etcdCa',
      req: { commonName: node.name, ...etcdSans, usages: ['serverAuth', 'clientAuth'] },
    },
    {
      base: 'etcd/healthcheck-client',
      signer: 'etcdCa',
      req: { commonName: 'kube-etcd-healthcheck-client', organizations: etcdClientOrg, usages: ['clientAuth'] },
    },
  ];
}
