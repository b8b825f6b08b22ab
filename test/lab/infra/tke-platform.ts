// TKEStack's platform objects as the global cluster's tke-platform-api serves them
// (tkestack/tke api/platform/v1/types.go): one Cluster per lab cluster (the global one named
// "global", as the installer names it), a Machine per worker, a ClusterCredential per cluster, and
// an Imported cluster without machines. The SSH passwords, keys and tokens are TKEStack's real
// shapes ([]byte as base64, token as plain text) and must never leak out of the tool.
import crypto from 'node:crypto';

export interface PlatformCluster {
  name: string;
  type: 'global' | 'standalone';
  kubernetesVersion: string;
  runtime: 'docker' | 'containerd';
  masters: { name: string; address: string }[];
  workers: { name: string; address: string }[];
  /** The token of the cluster's /root/.kube/config (ClusterCredential.token). */
  token: string;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const secret = (label: string): string => `${label}-${crypto.randomBytes(12).toString('hex')}`;
const fakePem = (kind: string): string =>
  b64(`-----BEGIN ${kind}-----\n${crypto.randomBytes(48).toString('base64')}\n-----END ${kind}-----\n`);

/** A ksuid-like token, as TKEStack's completeCredential makes. */
export const platformToken = (): string => crypto.randomBytes(20).toString('base64url').slice(0, 27);

/** Cluster objects keep their TKEStack name: `global`, or the lab cluster's own. */
export const platformName = (c: Pick<PlatformCluster, 'name' | 'type'>): string =>
  c.type === 'global' ? 'global' : c.name;

const noProxy = { type: '', ip: '', port: 0 };

function clusterObject(c: PlatformCluster, index: number): Record<string, unknown> {
  const name = platformName(c);
  // The second cluster logs in with a private key (and passphrase), the others with a password.
  const auth = (i: number) =>
    index === 1 && i === 0
      ? { privateKey: fakePem('RSA PRIVATE KEY'), passPhrase: b64(secret('passphrase')) }
      : { password: b64(secret('password')) };
  return {
    apiVersion: 'platform.tkestack.io/v1',
    kind: 'Cluster',
    metadata: { name, creationTimestamp: '2025-12-01T00:00:00Z' },
    spec: {
      tenantID: 'default',
      displayName: c.type === 'global' ? 'TKE' : c.name,
      type: 'Baremetal',
      version: c.kubernetesVersion,
      clusterCredentialRef: { name: `cc-${name}` },
      // containerd from TKEStack v1.8.0; the docker clusters read as TKEStack's default (unset).
      features: { containerRuntime: c.runtime === 'containerd' ? 'containerd' : '' },
      machines: c.masters.map((m, i) => ({ ip: m.address, port: 22, username: 'root', ...auth(i), proxy: noProxy })),
      etcd: { local: { dataDir: '/var/lib/etcd' } },
      hostnameAsNodename: true,
    },
    status: {
      phase: 'Running',
      version: c.kubernetesVersion,
      conditions: [{ type: 'HealthCheck', status: 'True', lastProbeTime: new Date().toISOString() }],
      addresses: c.masters.map((m) => ({ type: 'Real', host: m.address, port: 6443 })),
    },
  };
}

function credentialObject(c: PlatformCluster): Record<string, unknown> {
  const name = platformName(c);
  return {
    apiVersion: 'platform.tkestack.io/v1',
    kind: 'ClusterCredential',
    metadata: { name: `cc-${name}` },
    tenantID: 'default',
    clusterName: name,
    etcdCACert: fakePem('CERTIFICATE'),
    etcdCAKey: fakePem('RSA PRIVATE KEY'),
    etcdAPIClientCert: fakePem('CERTIFICATE'),
    etcdAPIClientKey: fakePem('RSA PRIVATE KEY'),
    caCert: fakePem('CERTIFICATE'),
    caKey: fakePem('RSA PRIVATE KEY'),
    token: c.token,
    bootstrapToken: `${crypto.randomBytes(3).toString('hex')}.${crypto.randomBytes(8).toString('hex')}`,
    certificateKey: crypto.randomBytes(32).toString('hex'),
  };
}

function workerMachine(c: PlatformCluster, w: { address: string }): Record<string, unknown> {
  return {
    apiVersion: 'platform.tkestack.io/v1',
    kind: 'Machine',
    metadata: { name: `mc-${crypto.randomBytes(4).toString('hex')}` },
    spec: {
      tenantID: 'default',
      clusterName: platformName(c),
      type: 'Baremetal',
      ip: w.address,
      port: 22,
      username: 'root',
      password: b64(secret('password')),
    },
    status: { phase: 'Running', addresses: [{ type: 'InternalIP', address: w.address }] },
  };
}

/** An imported cluster: no machines, registered with a client certificate (a copy that goes stale). */
function importedObjects(): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'platform.tkestack.io/v1',
      kind: 'Cluster',
      metadata: { name: 'cls-imported' },
      spec: { tenantID: 'default', displayName: 'imported', type: 'Imported', version: '1.20.6' },
      status: {
        phase: 'Running',
        version: '1.20.6',
        addresses: [{ type: 'Advertise', host: '10.231.0.250', port: 6443 }],
      },
    },
    {
      apiVersion: 'platform.tkestack.io/v1',
      kind: 'ClusterCredential',
      metadata: { name: 'cc-imported' },
      tenantID: 'default',
      clusterName: 'cls-imported',
      caCert: fakePem('CERTIFICATE'),
      clientCert: fakePem('CERTIFICATE'),
      clientKey: fakePem('RSA PRIVATE KEY'),
    },
  ];
}

export function platformObjects(clusters: PlatformCluster[]): unknown[] {
  return [
    ...clusters.flatMap((c, i) => [clusterObject(c, i), credentialObject(c)]),
    ...clusters.flatMap((c) => c.workers.map((w) => workerMachine(c, w))),
    ...importedObjects(),
  ];
}
