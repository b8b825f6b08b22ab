// The lab's kubeadm-style PKI: every leaf verifies against its CA with the real openssl, keys match
// certificates, validity follows certAgeDays, files and modes are laid out as kubeadm does.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClusterFiles, keysNeeded, kubeadmShim, warmKeyPool } from '../pki/index.js';
import { clusterSpec, openssl, writeCluster } from './kubeadm-harness.js';

const DAY = 24 * 3600 * 1000;
const PKI = 'etc/kubernetes/pki';
const LEAVES: [string, string][] = [
  ['apiserver', 'ca'],
  ['apiserver-kubelet-client', 'ca'],
  ['apiserver-etcd-client', 'etcd/ca'],
  ['front-proxy-client', 'front-proxy-ca'],
  ['etcd/server', 'etcd/ca'],
  ['etcd/peer', 'etcd/ca'],
  ['etcd/healthcheck-client', 'etcd/ca'],
];

const certOf = (file: string): crypto.X509Certificate => new crypto.X509Certificate(fs.readFileSync(file));
const kubeconfigCert = (file: string): crypto.X509Certificate => {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { users: { user: Record<string, string> }[] };
  return new crypto.X509Certificate(Buffer.from(doc.users[0]?.user['client-certificate-data'] ?? '', 'base64'));
};

describe('buildClusterFiles (full, 1.18.3 global, 2 masters + 1 worker, certs 100 days old)', () => {
  let dir = '';
  const spec = clusterSpec({
    masters: [
      { name: 'global-m1', address: '10.231.1.10' },
      { name: 'global-m2', address: '10.231.1.11' },
    ],
    workers: [{ name: 'global-w1', address: '10.231.1.12' }],
    kubeletConfEmbedded: true,
  });
  beforeAll(() => {
    dir = writeCluster(spec);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const m1 = (p: string): string => path.join(dir, 'global-m1', p);
  /** openssl's subject line (and the extensions `ext` names) of global-m1's certificate <pki>/<cert>. */
  const subjectOf = (cert: string, ext?: string): string =>
    openssl(['x509', '-noout', '-subject', ...(ext ? ['-ext', ext] : []), '-in', m1(`${PKI}/${cert}`)]);

  it('every leaf verifies against its CA with openssl, and its key matches', () => {
    for (const master of ['global-m1', 'global-m2']) {
      for (const [leaf, ca] of LEAVES) {
        const crt = path.join(dir, master, PKI, `${leaf}.crt`);
        expect(openssl(['verify', '-CAfile', path.join(dir, master, PKI, `${ca}.crt`), crt]).trim()).toBe(`${crt}: OK`);
        const key = crypto.createPrivateKey(fs.readFileSync(path.join(dir, master, PKI, `${leaf}.key`)));
        expect(certOf(crt).checkPrivateKey(key)).toBe(true);
      }
    }
  });

  it('masters share one CA set; the worker has the same ca.crt', () => {
    for (const f of ['ca.crt', 'ca.key', 'front-proxy-ca.crt', 'etcd/ca.crt', 'sa.key', 'sa.pub']) {
      expect(fs.readFileSync(path.join(dir, 'global-m2', PKI, f), 'utf8')).toBe(
        fs.readFileSync(m1(`${PKI}/${f}`), 'utf8'),
      );
    }
    expect(fs.readFileSync(path.join(dir, 'global-w1', PKI, 'ca.crt'), 'utf8')).toBe(
      fs.readFileSync(m1(`${PKI}/ca.crt`), 'utf8'),
    );
    expect(fs.existsSync(path.join(dir, 'global-w1', PKI, 'ca.key'))).toBe(false);
  });

  it('validity: leaves start certAgeDays ago and last 365 days; CAs 10 years', () => {
    const leaf = certOf(m1(`${PKI}/apiserver.crt`));
    const start = Date.parse(leaf.validFrom);
    expect(Math.abs(start - (Date.now() - 100 * DAY))).toBeLessThan(120_000);
    expect(Date.parse(leaf.validTo) - start).toBe(365 * DAY);
    const ca = certOf(m1(`${PKI}/ca.crt`));
    expect(Date.parse(ca.validTo) - Date.parse(ca.validFrom)).toBe(3650 * DAY);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
  });

  it('subjects, SANs and extensions as kubeadm', () => {
    const text = subjectOf('apiserver.crt', 'subjectAltName,keyUsage,extendedKeyUsage,basicConstraints');
    expect(text).toContain('subject=CN = kube-apiserver');
    expect(text).toContain(
      'DNS:global-m1, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, DNS:api.tke.com, IP Address:10.96.0.1, IP Address:10.231.1.10',
    );
    expect(text).toMatch(/Key Usage: critical\n\s+Digital Signature, Key Encipherment/);
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).toMatch(/Basic Constraints: critical\n\s+CA:FALSE/);
    const etcd = subjectOf('etcd/server.crt', 'subjectAltName,extendedKeyUsage');
    expect(etcd).toContain('subject=CN = global-m1');
    expect(etcd).toContain(
      'DNS:global-m1, DNS:localhost, IP Address:10.231.1.10, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(etcd).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(subjectOf('apiserver-kubelet-client.crt').trim()).toBe(
      'subject=O = system:masters, CN = kube-apiserver-kubelet-client',
    );
    expect(subjectOf('etcd/healthcheck-client.crt')).toContain('CN = kube-etcd-healthcheck-client');
    const ca = subjectOf('ca.crt', 'keyUsage,basicConstraints,subjectKeyIdentifier');
    expect(ca).toContain('subject=CN = kubernetes');
    expect(ca).toContain('Digital Signature, Key Encipherment, Certificate Sign');
    expect(ca).toContain('CA:TRUE');
    expect(ca).toContain('Subject Key Identifier');
  });

  it('serials are positive, 8 to 16 bytes', () => {
    const serial = certOf(m1(`${PKI}/apiserver.crt`)).serialNumber;
    expect(serial.length).toBeGreaterThanOrEqual(16);
    expect(serial.length).toBeLessThanOrEqual(32);
    expect(parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
  });

  it('kubeconfigs: subjects, servers, CA; kubelet.conf embeds its cert; the pem is valid', () => {
    const admin = YAML.parse(fs.readFileSync(m1('etc/kubernetes/admin.conf'), 'utf8')) as {
      clusters: { cluster: Record<string, string> }[];
    };
    expect(admin.clusters[0]?.cluster.server).toBe('https://api.tke.com:6443');
    expect(Buffer.from(admin.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString()).toBe(
      fs.readFileSync(m1(`${PKI}/ca.crt`), 'utf8'),
    );
    expect(kubeconfigCert(m1('etc/kubernetes/admin.conf')).subject).toBe('O=system:masters\nCN=kubernetes-admin');
    expect(kubeconfigCert(m1('etc/kubernetes/controller-manager.conf')).subject).toBe(
      'CN=system:kube-controller-manager',
    );
    expect(kubeconfigCert(m1('etc/kubernetes/scheduler.conf')).subject).toBe('CN=system:kube-scheduler');
    expect(kubeconfigCert(m1('etc/kubernetes/kubelet.conf')).subject).toBe('O=system:nodes\nCN=system:node:global-m1');
    expect(fs.existsSync(m1('etc/kubernetes/super-admin.conf'))).toBe(false);
    const pem = m1('var/lib/kubelet/pki/kubelet-client-current.pem');
    expect(openssl(['verify', '-CAfile', m1(`${PKI}/ca.crt`), pem]).trim()).toBe(`${pem}: OK`);
    expect(certOf(pem).checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(pem)))).toBe(true);
    expect(Date.parse(certOf(pem).validTo)).toBeGreaterThan(Date.now());
    for (const ca of ['etcd/ca.crt', 'ca.crt']) expect(fs.statSync(m1(`${PKI}/${ca}`)).mode & 0o777).toBe(0o644);
    for (const secret of [`${PKI}/ca.key`, 'etc/kubernetes/admin.conf'])
      expect(fs.statSync(m1(secret)).mode & 0o777).toBe(0o600);
  });

  it('static pod manifests: version tags and etcd flags the real etcd accepts', () => {
    const api = fs.readFileSync(m1('etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8');
    expect(api).toContain('image: k8s.gcr.io/kube-apiserver:v1.18.3');
    expect(api).toContain('- --tls-cert-file=/etc/kubernetes/pki/apiserver.crt');
    const etcdPod = YAML.parse(fs.readFileSync(m1('etc/kubernetes/manifests/etcd.yaml'), 'utf8')) as {
      spec: { containers: { image: string; command: string[] }[] };
    };
    const container = etcdPod.spec.containers[0] as { image: string; command: string[] };
    expect(container.image).toBe('k8s.gcr.io/etcd:3.4.3-0');
    expect(container.command).toContain(
      '--initial-cluster=global-m1=https://10.231.1.10:2380,global-m2=https://10.231.1.11:2380',
    );
    const help = execFileSync('/usr/bin/etcd', ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    for (const flag of container.command.slice(1)) expect(help).toContain(`${flag.split('=')[0]} `);
    expect(fs.readFileSync(m1('etc/kubernetes/manifests/kube-scheduler.yaml'), 'utf8')).toContain(
      '- --kubeconfig=/etc/kubernetes/scheduler.conf',
    );
  });

  it('seed.json: kubeadm-config v1beta2 with ClusterStatus, Nodes, tke certs (shape 1.3: CN tke, 100 years)', () => {
    const seed = JSON.parse(fs.readFileSync(m1('var/lib/kcrlab/seed.json'), 'utf8')) as {
      kind: string;
      metadata: { name: string; namespace?: string };
      data?: Record<string, string>;
    }[];
    const kc = seed.find((o) => o.metadata.name === 'kubeadm-config');
    const cc = YAML.parse(kc?.data?.ClusterConfiguration ?? '') as Record<string, unknown>;
    expect(cc.apiVersion).toBe('kubeadm.k8s.io/v1beta2');
    expect(cc.controlPlaneEndpoint).toBe('api.tke.com:6443');
    expect(cc.kubernetesVersion).toBe('v1.18.3');
    expect(kc?.data?.ClusterStatus).toContain('kind: ClusterStatus');
    expect(seed.filter((o) => o.kind === 'Node').map((o) => o.metadata.name)).toEqual([
      'global-m1',
      'global-m2',
      'global-w1',
    ]);
    const certs = seed.find((o) => o.metadata.namespace === 'tke' && o.metadata.name === 'certs');
    const etcd = new crypto.X509Certificate(certs?.data?.['etcd.crt'] ?? '');
    expect(etcd.subject).toBe('CN=tke');
    expect(Date.parse(etcd.validTo) - Date.parse(etcd.validFrom)).toBe(36500 * DAY);
    expect(etcd.verify(new crypto.X509Certificate(fs.readFileSync(m1(`${PKI}/etcd/ca.crt`))).publicKey)).toBe(true);
    const deployments = seed.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
    expect(deployments).toContain('tke-audit-api');
    expect(deployments).toContain('tke-platform-api');
  });
});

describe('buildClusterFiles variants', () => {
  // Keys for the three full builds below, made in parallel on the thread pool.
  beforeAll(() =>
    warmKeyPool(
      3 *
        keysNeeded(
          clusterSpec({
            masters: [
              { name: 'a', address: '10.0.0.1' },
              { name: 'b', address: '10.0.0.2' },
            ],
          }),
        ),
    ),
  );
  it('shape 1.2: tke etcd.crt is the first master apiserver-etcd-client', () => {
    const files = buildClusterFiles(clusterSpec({ tkeCertsShape: '1.2' })).get('global-m1') ?? [];
    const seed = JSON.parse(String(files.find((f) => f.path === 'var/lib/kcrlab/seed.json')?.data)) as {
      metadata: { name: string; namespace?: string };
      data?: Record<string, string>;
      kind: string;
    }[];
    const certs = seed.find((o) => o.metadata.namespace === 'tke' && o.metadata.name === 'certs');
    expect(certs?.data?.['etcd.crt']).toBe(files.find((f) => f.path === `${PKI}/apiserver-etcd-client.crt`)?.data);
    expect(seed.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).not.toContain('tke-audit-api');
  });

  it('1.29+: super-admin.conf on the first master only, admin in kubeadm:cluster-admins, registry.k8s.io, v1beta3', () => {
    const spec = clusterSpec({
      kubernetesVersion: '1.30.2',
      masters: [
        { name: 'a', address: '10.0.0.1' },
        { name: 'b', address: '10.0.0.2' },
      ],
      tkeCertsShape: null,
      type: 'standalone',
    });
    const cluster = buildClusterFiles(spec);
    const a = cluster.get('a') ?? [];
    const b = cluster.get('b') ?? [];
    expect(a.some((f) => f.path === 'etc/kubernetes/super-admin.conf')).toBe(true);
    expect(b.some((f) => f.path === 'etc/kubernetes/super-admin.conf')).toBe(false);
    const admin = YAML.parse(String(a.find((f) => f.path === 'etc/kubernetes/admin.conf')?.data)) as {
      users: { user: Record<string, string> }[];
    };
    expect(
      new crypto.X509Certificate(Buffer.from(admin.users[0]?.user['client-certificate-data'] ?? '', 'base64')).subject,
    ).toBe('O=kubeadm:cluster-admins\nCN=kubernetes-admin');
    expect(String(a.find((f) => f.path.endsWith('kube-apiserver.yaml'))?.data)).toContain(
      'registry.k8s.io/kube-apiserver:v1.30.2',
    );
    expect(String(a.find((f) => f.path.endsWith('seed.json'))?.data)).toContain('kubeadm.k8s.io/v1beta3');
  });

  it('expired certs (certAgeDays 400), kubelet.conf pointing at the pem', () => {
    const files =
      buildClusterFiles(clusterSpec({ certAgeDays: 400, kubeletConfEmbedded: false })).get('global-m1') ?? [];
    const crt = new crypto.X509Certificate(String(files.find((f) => f.path === `${PKI}/apiserver.crt`)?.data));
    expect(Date.parse(crt.validTo)).toBeLessThan(Date.now());
    const kubelet = String(files.find((f) => f.path === 'etc/kubernetes/kubelet.conf')?.data);
    expect(kubelet).toContain('client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem');
    expect(kubelet).toContain('client-key: /var/lib/kubelet/pki/kubelet-client-current.pem');
    const pem = String(files.find((f) => f.path === 'var/lib/kubelet/pki/kubelet-client-current.pem')?.data);
    expect(Date.parse(new crypto.X509Certificate(pem).validTo)).toBeGreaterThan(Date.now());
  });

  it('light mode: no manifests and no seed; 100 light nodes over 10 clusters build well under 20 s', () => {
    const started = Date.now();
    let nodes = 0;
    for (let c = 0; c < 10; c++) {
      const spec = clusterSpec({
        name: `c${c}`,
        light: true,
        masters: [1, 2, 3].map((i) => ({ name: `c${c}-m${i}`, address: `10.231.1.${i}` })),
        workers: [1, 2, 3, 4, 5, 6, 7].map((i) => ({ name: `c${c}-w${i}`, address: `10.231.1.${10 + i}` })),
      });
      for (const [, files] of buildClusterFiles(spec)) {
        nodes += 1;
        expect(files.some((f) => f.path.includes('manifests/') || f.path.endsWith('seed.json'))).toBe(false);
      }
    }
    const elapsedMs = Date.now() - started;
    console.log(`light fleet: ${nodes} nodes in ${elapsedMs} ms`);
    expect(nodes).toBe(100);
    expect(elapsedMs).toBeLessThan(20_000);
  });

  it('kubeadmShim', () => {
    expect(kubeadmShim('v1.18.3', '/usr/bin/node', '/lab/dist/test/lab')).toBe(
      '#!/bin/sh\n[ "$*" = "version -o short" ] && { echo v1.18.3; exit 0; }\nKCRLAB_KUBEADM_VERSION=1.18.3 exec /usr/bin/node /lab/dist/test/lab/node/kubeadm/main.js "$@"\n',
    );
  });
});
