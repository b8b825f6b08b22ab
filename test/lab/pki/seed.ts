// /var/lib/kcrlab/seed.json: the objects the kube-apiserver stand-in creates when absent
// (test/lab/CONTRACT.md "Seed objects").
import { stringifyYaml } from './kubeconfig.js';
import { imageRegistry } from './manifests.js';
import type { LabClusterSpec } from './spec.js';
import { tkeApiNames, tkeDeployment, type TkeCertsShape } from './tke.js';
import { atLeast, kubeadmApiVersion, type KubeVersion } from './version.js';

export function clusterConfigurationYaml(spec: LabClusterSpec, version: KubeVersion): string {
  const apiVersion = `kubeadm.k8s.io/${kubeadmApiVersion(version)}`;
  const config: Record<string, unknown> = {
    apiServer: {
      certSANs: [spec.controlPlaneEndpoint.replace(/:\d+$/, ''), ...spec.masters.map((m) => m.address)],
      extraArgs: { 'authorization-mode': 'Node,RBAC' },
      ...(atLeast(version, 31) ? {} : { timeoutForControlPlane: '4m0s' }),
    },
    apiVersion,
    certificatesDir: '/etc/kubernetes/pki',
    clusterName: 'kubernetes',
    controlPlaneEndpoint: spec.controlPlaneEndpoint,
    controllerManager: {},
    dns: atLeast(version, 22) ? {} : { type: 'CoreDNS' },
    etcd: { local: { dataDir: '/var/lib/etcd' } },
    imageRepository: imageRegistry(version),
    kind: 'ClusterConfiguration',
    kubernetesVersion: `v${version.text}`,
    networking: { dnsDomain: 'cluster.local', podSubnet: '192.168.0.0/16', serviceSubnet: '10.96.0.0/12' },
    scheduler: {},
  };
  if (atLeast(version, 31)) {
    config.certificateValidityPeriod = '8760h0m0s';
    config.caCertificateValidityPeriod = '87600h0m0s';
  }
  return stringifyYaml(config);
}

function clusterStatusYaml(spec: LabClusterSpec, version: KubeVersion): string {
  const apiEndpoints: Record<string, unknown> = {};
  for (const m of spec.masters) apiEndpoints[m.name] = { advertiseAddress: m.address, bindPort: 6443 };
  return stringifyYaml({
    apiEndpoints,
    apiVersion: `kubeadm.k8s.io/${kubeadmApiVersion(version)}`,
    kind: 'ClusterStatus',
  });
}

/**
 * kubeadm init/join annotate each Node with its CRI socket (constants.AnnotationKubeadmCRISocket),
 * and kubeadm reads it back when it loads the cluster configuration: without it, 1.20's
 * `certs renew` falls back to defaults (a real 1.20.2 binary did). Set here up to 1.23, the range
 * checked against the source; the socket path is the dockershim's or containerd's.
 */
function criSocketAnnotation(version: KubeVersion, runtime: LabClusterSpec['runtime']): Record<string, string> {
  if (atLeast(version, 24)) return {};
  return {
    'kubeadm.alpha.kubernetes.io/cri-socket':
      runtime === 'docker' ? '/var/run/dockershim.sock' : '/run/containerd/containerd.sock',
  };
}

/** kubeadm init uploads the kubelet's base configuration (`kubelet-config-1.X` until 1.24's `kubelet-config`). */
function kubeletConfigMap(version: KubeVersion): Record<string, unknown> {
  const kubelet = stringifyYaml({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    authentication: {
      anonymous: { enabled: false },
      webhook: { cacheTTL: '0s', enabled: true },
      x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' },
    },
    authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } },
    // What the lab's docker reports (docker info), so kubeadm sees no mismatch to warn about.
    cgroupDriver: 'systemd',
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
    kind: 'KubeletConfiguration',
    rotateCertificates: true,
    staticPodPath: '/etc/kubernetes/manifests',
  });
  const name = atLeast(version, 24) ? 'kubelet-config' : `kubelet-config-${version.major}.${version.minor}`;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'kube-system' }, data: { kubelet } };
}

function nodeObject(
  name: string,
  address: string,
  master: boolean,
  version: KubeVersion,
  annotations: Record<string, string>,
): Record<string, unknown> {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
  };
  if (master) {
    if (!atLeast(version, 24)) labels['node-role.kubernetes.io/master'] = '';
    if (atLeast(version, 20)) labels['node-role.kubernetes.io/control-plane'] = '';
  }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels, annotations },
    spec: {},
    status: {
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: name },
      ],
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      nodeInfo: { kubeletVersion: `v${version.text}`, architecture: 'amd64', operatingSystem: 'linux' },
    },
  };
}

export function seedObjects(
  spec: LabClusterSpec,
  version: KubeVersion,
  tkeCerts: Record<string, string> | null,
): unknown[] {
  const data: Record<string, string> = { ClusterConfiguration: clusterConfigurationYaml(spec, version) };
  if (!atLeast(version, 22)) data.ClusterStatus = clusterStatusYaml(spec, version);
  const objects: unknown[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubeadm-config', namespace: 'kube-system' }, data },
    kubeletConfigMap(version),
    ...spec.masters.map((m) =>
      nodeObject(m.name, m.address, true, version, criSocketAnnotation(version, spec.runtime)),
    ),
    ...spec.workers.map((w) =>
      nodeObject(w.name, w.address, false, version, criSocketAnnotation(version, spec.runtime)),
    ),
  ];
  if (spec.type === 'global' && spec.tkeCertsShape && tkeCerts) {
    const shape: TkeCertsShape = spec.tkeCertsShape;
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tke' } });
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'certs', namespace: 'tke' },
      data: tkeCerts,
    });
    for (const name of tkeApiNames(shape)) objects.push(tkeDeployment(name, shape, spec.masters.length));
  }
  return [...objects, ...(spec.extraSeed ?? [])];
}
