// The seed.json of the components tests: what the pki part writes on a global 1.18 master.
const deployment = (name: string, replicas: number): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'tke', labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          {
            name,
            image: `tkestack/${name}-amd64:v1.3.1`,
            volumeMounts: [{ name: 'certs-volume', mountPath: '/app/certs' }],
          },
        ],
        volumes: [{ name: 'certs-volume', configMap: { name: 'certs' } }],
      },
    },
  },
});

const node = (name: string, master: boolean): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name,
    labels: { 'kubernetes.io/hostname': name, ...(master ? { 'node-role.kubernetes.io/master': '' } : {}) },
  },
  status: {
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
    addresses: [{ type: 'InternalIP', address: master ? '10.231.0.10' : '10.231.0.11' }],
    nodeInfo: { kubeletVersion: 'v1.18.3' },
  },
});

export const seedObjects: Record<string, unknown>[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tke' } },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kubeadm-config', namespace: 'kube-system' },
    data: {
      ClusterConfiguration:
        'apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\nkubernetesVersion: v1.18.3\ncontrolPlaneEndpoint: api.tke.com:6443\n',
    },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'certs', namespace: 'tke' },
    data: {
      'etcd-ca.crt': 'ETCD-CA',
      'etcd.crt': 'ETCD-CLIENT',
      'etcd.key': 'ETCD-KEY',
      'ca.crt': 'CA',
      'admin.crt': 'ADMIN',
      'admin.key': 'ADMIN-KEY',
    },
  },
  deployment('tke-platform-api', 2),
  deployment('tke-auth-api', 1),
  node('global-m1', true),
  node('global-w1', false),
];
