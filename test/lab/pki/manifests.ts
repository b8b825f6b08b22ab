// Static pod manifests as kubeadm writes them (phases/controlplane, phases/etcd): flags sorted by
// name, hostPath volumes, image tags of the cluster version. The runtime runs the real etcd with
// these flags, so every etcd flag here must exist in etcd 3.4.
import { stringifyYaml } from './kubeconfig.js';
import { atLeast, type KubeVersion } from './version.js';

export interface ManifestNode {
  name: string;
  address: string;
}

const PKI = '/etc/kubernetes/pki';

export function imageRegistry(version: KubeVersion): string {
  return atLeast(version, 25) ? 'registry.k8s.io' : 'k8s.gcr.io';
}

/** The etcd image tag kubeadm pins for a Kubernetes minor (constants.SupportedEtcdVersion). */
export function etcdImageTag(version: KubeVersion): string {
  const byMinor: Record<number, string> = {
    16: '3.3.15-0',
    17: '3.4.3-0',
    18: '3.4.3-0',
    19: '3.4.13-0',
    20: '3.4.13-0',
    21: '3.4.13-0',
    22: '3.5.0-0',
    23: '3.5.1-0',
    24: '3.5.3-0',
    25: '3.5.4-0',
    26: '3.5.6-0',
    27: '3.5.7-0',
    28: '3.5.9-0',
    29: '3.5.10-0',
    30: '3.5.12-0',
    31: '3.5.15-0',
    32: '3.5.16-0',
    33: '3.5.21-0',
  };
  return byMinor[version.minor] ?? (version.minor < 16 ? '3.3.10' : '3.5.21-0');
}

const flags = (entries: Record<string, string>): string[] =>
  Object.keys(entries)
    .sort()
    .map((k) => `--${k}=${entries[k]}`);

interface Mount {
  name: string;
  path: string;
  readOnly: boolean;
  type: 'DirectoryOrCreate' | 'FileOrCreate';
}

function pod(
  name: string,
  command: string[],
  image: string,
  mounts: Mount[],
  probe: Record<string, unknown>,
  extras: { annotations?: Record<string, string>; cpu: string },
): string {
  const sorted = [...mounts].sort((a, b) => a.name.localeCompare(b.name));
  return stringifyYaml({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(extras.annotations ? { annotations: extras.annotations } : {}),
      creationTimestamp: null,
      labels: { component: name, tier: 'control-plane' },
      name,
      namespace: 'kube-system',
    },
    spec: {
      containers: [
        {
          command,
          image,
          imagePullPolicy: 'IfNotPresent',
          livenessProbe: { failureThreshold: 8, httpGet: probe, initialDelaySeconds: 15, timeoutSeconds: 15 },
          name,
          resources: { requests: { cpu: extras.cpu } },
          volumeMounts: sorted.map((m) => ({
            mountPath: m.path,
            name: m.name,
            ...(m.readOnly ? { readOnly: true } : {}),
          })),
        },
      ],
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      volumes: sorted.map((m) => ({ hostPath: { path: m.path, type: m.type }, name: m.name })),
    },
    status: {},
  });
}

const certMounts: Mount[] = [
  { name: 'ca-certs', path: '/etc/ssl/certs', readOnly: true, type: 'DirectoryOrCreate' },
  { name: 'etc-pki', path: '/etc/pki', readOnly: true, type: 'DirectoryOrCreate' },
  { name: 'k8s-certs', path: PKI, readOnly: true, type: 'DirectoryOrCreate' },
];

function apiserver(version: KubeVersion, node: ManifestNode, tokenAuthFile?: string): string {
  const args: Record<string, string> = {
    'advertise-address': node.address,
    'allow-privileged': 'true',
    'authorization-mode': 'Node,RBAC',
    'client-ca-file': `${PKI}/ca.crt`,
    'enable-admission-plugins': 'NodeRestriction',
    'enable-bootstrap-token-auth': 'true',
    'etcd-cafile': `${PKI}/etcd/ca.crt`,
    'etcd-certfile': `${PKI}/apiserver-etcd-client.crt`,
    'etcd-keyfile': `${PKI}/apiserver-etcd-client.key`,
    'etcd-servers': 'https://127.0.0.1:2379',
    'kubelet-client-certificate': `${PKI}/apiserver-kubelet-client.crt`,
    'kubelet-client-key': `${PKI}/apiserver-kubelet-client.key`,
    'kubelet-preferred-address-types': 'InternalIP,ExternalIP,Hostname',
    'proxy-client-cert-file': `${PKI}/front-proxy-client.crt`,
    'proxy-client-key-file': `${PKI}/front-proxy-client.key`,
    'requestheader-allowed-names': 'front-proxy-client',
    'requestheader-client-ca-file': `${PKI}/front-proxy-ca.crt`,
    'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
    'requestheader-group-headers': 'X-Remote-Group',
    'requestheader-username-headers': 'X-Remote-User',
    'secure-port': '6443',
    'service-account-key-file': `${PKI}/sa.pub`,
    'service-cluster-ip-range': '10.96.0.0/12',
    'tls-cert-file': `${PKI}/apiserver.crt`,
    'tls-private-key-file': `${PKI}/apiserver.key`,
  };
  // TKEStack's apiServer extraArgs (baremetal cluster provider): its token file.
  if (tokenAuthFile) args['token-auth-file'] = tokenAuthFile;
  // kubeadm set --insecure-port=0 until 1.22 (kubernetes#102121), a no-op in the API server from 1.20.
  if (!atLeast(version, 22)) args['insecure-port'] = '0';
  if (atLeast(version, 20)) {
    args['service-account-issuer'] = 'https://kubernetes.default.svc.cluster.local';
    args['service-account-signing-key-file'] = `${PKI}/sa.key`;
  }
  const image = `${imageRegistry(version)}/kube-apiserver:v${version.text}`;
  const probe = { host: node.address, path: atLeast(version, 20) ? '/livez' : '/healthz', port: 6443, scheme: 'HTTPS' };
  return pod('kube-apiserver', ['kube-apiserver', ...flags(args)], image, certMounts, probe, {
    annotations: { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${node.address}:6443` },
    cpu: '250m',
  });
}

function controllerManager(version: KubeVersion): string {
  const conf = '/etc/kubernetes/controller-manager.conf';
  const args: Record<string, string> = {
    'authentication-kubeconfig': conf,
    'authorization-kubeconfig': conf,
    'bind-address': '127.0.0.1',
    'client-ca-file': `${PKI}/ca.crt`,
    'cluster-name': 'kubernetes',
    'cluster-signing-cert-file': `${PKI}/ca.crt`,
    'cluster-signing-key-file': `${PKI}/ca.key`,
    controllers: '*,bootstrapsigner,tokencleaner',
    kubeconfig: conf,
    'leader-elect': 'true',
    'requestheader-client-ca-file': `${PKI}/front-proxy-ca.crt`,
    'root-ca-file': `${PKI}/ca.crt`,
    'service-account-private-key-file': `${PKI}/sa.key`,
    'use-service-account-credentials': 'true',
  };
  // kubeadm set --port=0 (no insecure port) until 1.22; the secure port is 10257 throughout.
  if (!atLeast(version, 22)) args.port = '0';
  const mounts: Mount[] = [...certMounts, { name: 'kubeconfig', path: conf, readOnly: true, type: 'FileOrCreate' }];
  const image = `${imageRegistry(version)}/kube-controller-manager:v${version.text}`;
  const probe = { host: '127.0.0.1', path: '/healthz', port: 10257, scheme: 'HTTPS' };
  return pod('kube-controller-manager', ['kube-controller-manager', ...flags(args)], image, mounts, probe, {
    cpu: '200m',
  });
}

function scheduler(version: KubeVersion): string {
  const conf = '/etc/kubernetes/scheduler.conf';
  const args: Record<string, string> = {
    'authentication-kubeconfig': conf,
    'authorization-kubeconfig': conf,
    'bind-address': '127.0.0.1',
    kubeconfig: conf,
    'leader-elect': 'true',
  };
  if (!atLeast(version, 22)) args.port = '0';
  const mounts: Mount[] = [{ name: 'kubeconfig', path: conf, readOnly: true, type: 'FileOrCreate' }];
  const image = `${imageRegistry(version)}/kube-scheduler:v${version.text}`;
  const probe = { host: '127.0.0.1', path: '/healthz', port: 10259, scheme: 'HTTPS' };
  return pod('kube-scheduler', ['kube-scheduler', ...flags(args)], image, mounts, probe, { cpu: '100m' });
}

function etcd(version: KubeVersion, node: ManifestNode, masters: ManifestNode[]): string {
  const args: Record<string, string> = {
    'advertise-client-urls': `https://${node.address}:2379`,
    'cert-file': `${PKI}/etcd/server.crt`,
    'client-cert-auth': 'true',
    'data-dir': '/var/lib/etcd',
    'initial-advertise-peer-urls': `https://${node.address}:2380`,
    'initial-cluster': masters.map((m) => `${m.name}=https://${m.address}:2380`).join(','),
    'initial-cluster-state': 'new',
    'key-file': `${PKI}/etcd/server.key`,
    'listen-client-urls': `https://127.0.0.1:2379,https://${node.address}:2379`,
    'listen-metrics-urls': 'http://127.0.0.1:2381',
    'listen-peer-urls': `https://${node.address}:2380`,
    name: node.name,
    'peer-cert-file': `${PKI}/etcd/peer.crt`,
    'peer-client-cert-auth': 'true',
    'peer-key-file': `${PKI}/etcd/peer.key`,
    'peer-trusted-ca-file': `${PKI}/etcd/ca.crt`,
    'snapshot-count': '10000',
    'trusted-ca-file': `${PKI}/etcd/ca.crt`,
  };
  const mounts: Mount[] = [
    { name: 'etcd-certs', path: `${PKI}/etcd`, readOnly: false, type: 'DirectoryOrCreate' },
    { name: 'etcd-data', path: '/var/lib/etcd', readOnly: false, type: 'DirectoryOrCreate' },
  ];
  const image = `${imageRegistry(version)}/etcd:${etcdImageTag(version)}`;
  const probe = { host: '127.0.0.1', path: '/health', port: 2381, scheme: 'HTTP' };
  return pod('etcd', ['etcd', ...flags(args)], image, mounts, probe, {
    annotations: { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${node.address}:2379` },
    cpu: '100m',
  });
}

/** File name (under /etc/kubernetes/manifests) -> manifest YAML. */
export function staticPodManifests(
  version: KubeVersion,
  node: ManifestNode,
  masters: ManifestNode[],
  opts: { tokenAuthFile?: string } = {},
): Record<string, string> {
  return {
    'etcd.yaml': etcd(version, node, masters),
    'kube-apiserver.yaml': apiserver(version, node, opts.tokenAuthFile),
    'kube-controller-manager.yaml': controllerManager(version),
    'kube-scheduler.yaml': scheduler(version),
  };
}
