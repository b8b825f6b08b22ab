// Cluster and Machine objects as `kubectl get clusters.platform.tkestack.io -o json` prints them on
// a TKEStack global cluster (tkestack/tke api/platform/v1/types.go): []byte secrets as base64,
// an unset proxy as `{type: "", ip: "", port: 0}` (Go's omitempty does not omit a struct).
const b64 = (s: string): string => Buffer.from(s).toString('base64');

export const SECRETS = {
  globalPassword: 'Letmein123,.1',
  workerPassword: 'W0rker-Secret!',
  bizKey: '-----BEGIN RSA PRIVATE KEY-----\nMIIEBIZKEYSECRET\n-----END RSA PRIVATE KEY-----\n',
  jumpPassword: 'jump-secret-9',
  importedToken: 'imported-bearer-token',
};

const noProxy = { type: '', ip: '', port: 0 };

const master = (ip: string, extra: Record<string, unknown> = {}) => ({
  ip,
  port: 22,
  username: 'root',
  password: b64(SECRETS.globalPassword),
  proxy: noProxy,
  ...extra,
});

const healthy = (version: string) => ({
  version,
  phase: 'Running',
  conditions: [{ type: 'HealthCheck', status: 'True', lastProbeTime: '2026-12-03T17:00:00Z' }],
});

export const globalCluster = {
  apiVersion: 'platform.tkestack.io/v1',
  kind: 'Cluster',
  metadata: { name: 'global', resourceVersion: '100' },
  spec: {
    tenantID: 'default',
    displayName: 'TKE',
    type: 'Baremetal',
    version: '1.18.3',
    clusterCredentialRef: { name: 'cc-global' },
    features: { ha: { tke: { vip: '10.0.0.100', vrid: 42 } }, containerRuntime: 'docker' },
    // machines[0] listed second by IP: the order must come from the list, not a sort.
    machines: [master('10.0.0.12'), master('10.0.0.11'), master('10.0.0.13')],
    etcd: { local: { dataDir: '/var/lib/etcd' } },
  },
  status: { ...healthy('1.18.3'), addresses: [{ type: 'Advertise', host: '10.0.0.100', port: 6443 }] },
};

export const bizCluster = {
  apiVersion: 'platform.tkestack.io/v1',
  kind: 'Cluster',
  metadata: { name: 'cls-hrq7mvt9' },
  spec: {
    tenantID: 'default',
    displayName: 'prod\n- name: injected',
    type: 'Baremetal',
    version: '1.21.4-tke.3',
    features: { containerRuntime: '' },
    machines: [
      {
        ip: '10.1.0.5',
        port: 2222,
        username: 'ubuntu',
        privateKey: b64(SECRETS.bizKey),
        passPhrase: b64('pp'),
        proxy: {
          type: 'SSHJumpServer',
          ip: '10.1.0.1',
          port: 22,
          username: 'jump',
          password: b64(SECRETS.jumpPassword),
        },
      },
    ],
    etcd: { external: { endpoints: ['https://10.9.0.1:2379'], caFile: '/etc/etcd/ca.pem' } },
  },
  status: {
    version: '1.21.4-tke.3',
    phase: 'Failed',
    conditions: [
      {
        type: 'HealthCheck',
        status: 'False',
        reason: 'HealthCheckFail',
        message: 'Get "https://10.1.0.5:6443/version": x509: certificate has expired or is not yet valid',
      },
    ],
  },
};

export const importedCluster = {
  apiVersion: 'platform.tkestack.io/v1',
  kind: 'Cluster',
  metadata: { name: 'cls-imported1' },
  spec: { type: 'Imported', version: '1.20.6', clusterCredentialRef: { name: 'cc-imp' } },
  status: { ...healthy('1.20.6'), addresses: [{ type: 'Advertise', host: '10.2.0.1', port: 6443 }] },
};

export const upgradingCluster = {
  apiVersion: 'platform.tkestack.io/v1',
  kind: 'Cluster',
  metadata: { name: 'cls-upgrading' },
  spec: { type: 'Baremetal', version: '1.20.6', machines: [master('10.3.0.1')] },
  status: { ...healthy('1.19.7'), phase: 'Upgrading' },
};

export const socksCluster = {
  apiVersion: 'platform.tkestack.io/v1',
  kind: 'Cluster',
  metadata: { name: 'cls-socks' },
  spec: {
    type: 'Edge',
    version: '1.21.4-tke.3',
    machines: [master('10.4.0.1', { proxy: { type: 'SOCKS5', ip: '10.4.0.254', port: 1080 } })],
  },
  status: healthy('1.21.4-tke.3'),
};

export const workerMachine = {
  apiVersion: 'platform.tkestack.io/v1',
  kind: 'Machine',
  metadata: { name: 'mc-9r2dkcqj' },
  spec: {
    tenantID: 'default',
    clusterName: 'global',
    type: 'Baremetal',
    ip: '10.0.0.21',
    port: 22,
    username: 'root',
    password: b64(SECRETS.workerPassword),
  },
  status: { phase: 'Running', addresses: [{ type: 'InternalIP', address: '10.0.0.21' }] },
};

export const list = (...items: unknown[]) => ({ apiVersion: 'v1', kind: 'List', items, metadata: {} });

/** Every secret as written in the fixtures and as TKEStack stores it (base64). */
export const secretTexts = (): string[] =>
  Object.values(SECRETS)
    .flatMap((s) => [s, b64(s)])
    .concat([b64('pp')]);
