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
  return stringifyYaml({ apiEndpoints, apiVersion: `kubeadm.k8s.io/${kubeadmApiVersion(version)}`, kind: 'ClusterStatus' });
}

function nodeObject(name: string, address: string, master: boolean, version: KubeVersion): Record<string, unknown> {
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
    metadata: { name, labels },
    spec: {},
    status: {
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      nodeInfo: { kubeletVersion: `v${version.text}`, architecture: 'amd64', operatingSystem: 'linux' },
    },
  };
}

export function seedObjects(spec: LabClusterSpec, version: KubeVersion, tkeCerts: Record<string, string> | null): unknown[] {
  const data: Record<string, string> = { ClusterConfiguration: clusterConfigurationYaml(spec, version) };
  if (!atLeast(version, 22)) data.ClusterStatus = clusterStatusYaml(spec, version);
  const objects: unknown[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubeadm-config', namespace: 'kube-system' }, data },
    ...spec.masters.map((m) => nodeObject(m.name, m.address, true, version)),
    ...spec.workers.map((w) => nodeObject(w.name, w.address, false, version)),
  ];
  if (spec.type === 'global' && spec.tkeCertsShape && tkeCerts) {
    const shape: TkeCertsShape = spec.tkeCertsShape;
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tke' } });
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'certs', namespace: 'tke' }, data: tkeCerts });
    for (const name of tkeApiNames(shape)) objects.push(tkeDeployment(name, shape, spec.masters.length));
  }
  return objects;
}
