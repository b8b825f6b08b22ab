// kubeadm's renewal handlers (phases/certs/renewal/manager.go): in the sorted order `renew all`
// uses, with their long names (kubeadm-facts.md §2) and signing CA.
import { atLeast, type KubeVersion } from '../../pki/version.js';

export interface CaDef {
  /** Name in check-expiration's CA table. */
  name: 'ca' | 'etcd-ca' | 'front-proxy-ca';
  /** File base under the cert dir, also the "Detected external <base>" name. */
  baseName: 'ca' | 'etcd/ca' | 'front-proxy-ca';
}

export const CAS: CaDef[] = [
  { name: 'ca', baseName: 'ca' },
  { name: 'etcd-ca', baseName: 'etcd/ca' },
  { name: 'front-proxy-ca', baseName: 'front-proxy-ca' },
];

export interface RenewHandler {
  name: string;
  longName: string;
  kind: 'cert' | 'kubeconfig';
  /** cert: base under the cert dir; kubeconfig: file name under /etc/kubernetes. */
  file: string;
  ca: CaDef;
  etcd: boolean;
}

const [CA, ETCD_CA, FRONT_PROXY_CA] = CAS as [CaDef, CaDef, CaDef];

const ALL: RenewHandler[] = [
  {
    name: 'admin.conf',
    longName: 'certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself',
    kind: 'kubeconfig',
    file: 'admin.conf',
    ca: CA,
    etcd: false,
  },
  {
    name: 'apiserver',
    longName: 'certificate for serving the Kubernetes API',
    kind: 'cert',
    file: 'apiserver',
    ca: CA,
    etcd: false,
  },
  {
    name: 'apiserver-etcd-client',
    longName: 'certificate the apiserver uses to access etcd',
    kind: 'cert',
    file: 'apiserver-etcd-client',
    ca: ETCD_CA,
    etcd: true,
  },
  {
    name: 'apiserver-kubelet-client',
    longName: 'certificate for the API server to connect to kubelet',
    kind: 'cert',
    file: 'apiserver-kubelet-client',
    ca: CA,
    etcd: false,
  },
  {
    name: 'controller-manager.conf',
    longName: 'certificate embedded in the kubeconfig file for the controller manager to use',
    kind: 'kubeconfig',
    file: 'controller-manager.conf',
    ca: CA,
    etcd: false,
  },
  {
    name: 'etcd-healthcheck-client',
    longName: 'certificate for liveness probes to healthcheck etcd',
    kind: 'cert',
    file: 'etcd/healthcheck-client',
    ca: ETCD_CA,
    etcd: true,
  },
  {
    name: 'etcd-peer',
    longName: 'certificate for etcd nodes to communicate with each other',
    kind: 'cert',
    file: 'etcd/peer',
    ca: ETCD_CA,
    etcd: true,
  },
  {
    name: 'etcd-server',
    longName: 'certificate for serving etcd',
    kind: 'cert',
    file: 'etcd/server',
    ca: ETCD_CA,
    etcd: true,
  },
  {
    name: 'front-proxy-client',
    longName: 'certificate for the front proxy client',
    kind: 'cert',
    file: 'front-proxy-client',
    ca: FRONT_PROXY_CA,
    etcd: false,
  },
  {
    name: 'scheduler.conf',
    longName: 'certificate embedded in the kubeconfig file for the scheduler manager to use',
    kind: 'kubeconfig',
    file: 'scheduler.conf',
    ca: CA,
    etcd: false,
  },
  {
    name: 'super-admin.conf',
    longName: 'certificate embedded in the kubeconfig file for the super-admin',
    kind: 'kubeconfig',
    file: 'super-admin.conf',
    ca: CA,
    etcd: false,
  },
];

/** The handlers of this kubeadm version; without the etcd certificates when etcd is external. */
export function renewHandlers(v: KubeVersion, externalEtcd = false): RenewHandler[] {
  return ALL.filter((h) => (h.name !== 'super-admin.conf' || atLeast(v, 29)) && !(externalEtcd && h.etcd));
}
