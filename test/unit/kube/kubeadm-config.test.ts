// The configuration kubeadm renews with (--config): what is read from kubeadm-config, what is
// derived from the manifests when the API is down, and the node identity that spares kubeadm its probes.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  criSocket,
  derivedClusterConfiguration,
  issuedValidityPeriod,
  kubeadmApiVersion,
  nodeNameFromSubject,
  renewConfigFile,
  summarizeClusterConfiguration,
} from '../../../src/kube/kubeadm-config.js';
import { parseVersion, type KubeVersion } from '../../../src/kube/version.js';

const v = (text: string): KubeVersion => parseVersion(text)!;

describe('kubeadm configuration for renewal', () => {
  it('uses the API version each kubeadm writes: v1beta2 to 1.21, v1beta3 to 1.30, v1beta4 from 1.31', () => {
    expect(['1.16.9', '1.20.2', '1.21.14', '1.22.0', '1.30.2', '1.31.0'].map((x) => kubeadmApiVersion(v(x)))).toEqual([
      'kubeadm.k8s.io/v1beta2',
      'kubeadm.k8s.io/v1beta2',
      'kubeadm.k8s.io/v1beta2',
      'kubeadm.k8s.io/v1beta3',
      'kubeadm.k8s.io/v1beta3',
      'kubeadm.k8s.io/v1beta4',
    ]);
  });

  it('summarizes a ClusterConfiguration: PKI directory (default when unset) and local or external etcd', () => {
    expect(summarizeClusterConfiguration('apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n')).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta2',
      certificatesDir: '/etc/kubernetes/pki',
      etcd: 'local',
    });
    const external =
      'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\ncertificatesDir: /srv/pki\netcd:\n  external:\n    endpoints: [https://e1:2379]\n';
    expect(summarizeClusterConfiguration(external)).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta3',
      certificatesDir: '/srv/pki',
      etcd: 'external',
    });
  });

  it('refuses what is not one kubeadm ClusterConfiguration', () => {
    expect(() =>
      summarizeClusterConfiguration('kind: InitConfiguration\napiVersion: kubeadm.k8s.io/v1beta2\n'),
    ).toThrow('kind is InitConfiguration, not ClusterConfiguration');
    expect(() => summarizeClusterConfiguration('kind: ClusterConfiguration\napiVersion: v1\n')).toThrow(
      "apiVersion v1 is not kubeadm's",
    );
    expect(() => summarizeClusterConfiguration('a: 1\n---\nb: 2\n')).toThrow('not a single YAML document');
    expect(() => summarizeClusterConfiguration('kind: [')).toThrow(/^ClusterConfiguration is not valid YAML/);
  });

  it('names the CRI socket kubeadm records: dockershim and bare paths before 1.24, cri-dockerd and unix:// after', () => {
    expect(criSocket(v('1.20.2'), 'docker')).toBe('/var/run/dockershim.sock');
    expect(criSocket(v('1.20.2'), 'containerd')).toBe('/run/containerd/containerd.sock');
    expect(criSocket(v('1.24.0'), 'docker')).toBe('unix:///var/run/cri-dockerd.sock');
    expect(criSocket(v('1.30.1'), 'containerd')).toBe('unix:///run/containerd/containerd.sock');
  });

  it("takes the node name from the kubelet client certificate's subject", () => {
    expect(nodeNameFromSubject('O=system:nodes, CN=system:node:10.0.0.11')).toBe('10.0.0.11');
    expect(nodeNameFromSubject('CN=system:node:master-1, O=system:nodes')).toBe('master-1');
    expect(nodeNameFromSubject('CN=kubelet')).toBeUndefined();
    expect(nodeNameFromSubject(undefined)).toBeUndefined();
  });

  it('puts an InitConfiguration of the same API version first, then the ClusterConfiguration unchanged', () => {
    const cluster = 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.22.4';
    const file = renewConfigFile(cluster, 'kubeadm.k8s.io/v1beta3', v('1.22.4'), {
      nodeName: 'm1',
      runtime: 'containerd',
      advertiseAddress: '10.0.0.1',
      bindPort: 6443,
    });
    const docs = parseAllDocuments(file).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs).toEqual([
      {
        apiVersion: 'kubeadm.k8s.io/v1beta3',
        kind: 'InitConfiguration',
        nodeRegistration: { name: 'm1', criSocket: '/run/containerd/containerd.sock' },
        localAPIEndpoint: { advertiseAddress: '10.0.0.1', bindPort: 6443 },
      },
      { apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'ClusterConfiguration', kubernetesVersion: 'v1.22.4' },
    ]);
    expect(file.endsWith(`---\n${cluster}\n`)).toBe(true);
  });

  it('leaves out of the InitConfiguration what the node did not say (kubeadm then applies its own defaults)', () => {
    const file = renewConfigFile('kind: ClusterConfiguration\n', 'kubeadm.k8s.io/v1beta2', v('1.20.2'), {});
    expect(file).toBe('apiVersion: kubeadm.k8s.io/v1beta2\nkind: InitConfiguration\n---\nkind: ClusterConfiguration\n');
  });

  it('derives a configuration from the manifests: PKI beside the client CA, local etcd when etcd.yaml exists', () => {
    const local = derivedClusterConfiguration(
      v('1.20.2'),
      { 'client-ca-file': '/etc/kubernetes/pki/ca.crt', 'etcd-servers': 'https://127.0.0.1:2379' },
      true,
    );
    expect(local.summary).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta2',
      certificatesDir: '/etc/kubernetes/pki',
      etcd: 'local',
    });
    expect(summarizeClusterConfiguration(local.text)).toEqual(local.summary);
    const external = derivedClusterConfiguration(
      v('1.22.4'),
      {
        'client-ca-file': '/etc/kubernetes/pki/ca.crt',
        'etcd-servers': 'https://10.0.0.5:2379,https://10.0.0.6:2379',
        'etcd-cafile': '/etc/etcd/ca.crt',
        'etcd-certfile': '/etc/etcd/client.crt',
        'etcd-keyfile': '/etc/etcd/client.key',
      },
      false,
    );
    expect(external.summary.etcd).toBe('external');
    expect(parseAllDocuments(external.text)[0]?.toJS()).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta3',
      kind: 'ClusterConfiguration',
      kubernetesVersion: 'v1.22.4',
      certificatesDir: '/etc/kubernetes/pki',
      etcd: {
        external: {
          endpoints: ['https://10.0.0.5:2379', 'https://10.0.0.6:2379'],
          caFile: '/etc/etcd/ca.crt',
          certFile: '/etc/etcd/client.crt',
          keyFile: '/etc/etcd/client.key',
        },
      },
    });
  });

  describe('1.31+: the validity period the old certificates were issued with (v1beta4 certificateValidityPeriod)', () => {
    const at = (iso: string, plusMs: number): string => new Date(Date.parse(iso) + plusMs).toISOString();
    const HOUR = 3_600_000;
    const t = '2025-03-01T10:00:00.000Z';

    it("kubeadm 1.31+'s own certificates (CA or leaf alike): the span less its 5 minute backdate", () => {
      // Issued at t: NotBefore t - 5 min, NotAfter t + period.
      expect(issuedValidityPeriod({ notBefore: at(t, -300_000), notAfter: at(t, 8760 * HOUR) })).toBe('8760h0m0s');
      expect(issuedValidityPeriod({ notBefore: at(t, -300_000), notAfter: at(t, 2 * 8760 * HOUR) })).toBe('17520h0m0s');
      expect(issuedValidityPeriod({ notBefore: at(t, -300_000), notAfter: at(t, 720 * HOUR) })).toBe('720h0m0s');
    });

    it('a certificate issued without the backdate spans whole hours itself', () => {
      expect(issuedValidityPeriod({ notBefore: t, notAfter: at(t, 8760 * HOUR) })).toBe('8760h0m0s');
      // kubeadm before 1.31 at init: NotBefore the CA's (made a moment before), NotAfter now + 1 year.
      expect(issuedValidityPeriod({ notBefore: t, notAfter: at(t, 8760 * HOUR + 2_000) })).toBe('8760h0m0s');
    });

    it('says nothing for any other span (kubeadm before 1.31 renewing later: the CA age is in it), or unreadable dates', () => {
      expect(
        issuedValidityPeriod({ notBefore: t, notAfter: at(t, 8760 * HOUR + 400 * 86_400_000 + 1234_567) }),
      ).toBeUndefined();
      expect(issuedValidityPeriod({ notAfter: t })).toBeUndefined();
      expect(issuedValidityPeriod({ notBefore: at(t, HOUR), notAfter: t })).toBeUndefined();
    });

    it('goes into the derived ClusterConfiguration on 1.31+ only (v1beta3 and older have no such field)', () => {
      const flags = { 'client-ca-file': '/etc/kubernetes/pki/ca.crt' };
      const v131 = parseAllDocuments(
        derivedClusterConfiguration(v('1.31.4'), flags, true, '17520h0m0s').text,
      )[0]?.toJS();
      expect(v131).toMatchObject({ apiVersion: 'kubeadm.k8s.io/v1beta4', certificateValidityPeriod: '17520h0m0s' });
      const v130 = parseAllDocuments(
        derivedClusterConfiguration(v('1.30.2'), flags, true, '17520h0m0s').text,
      )[0]?.toJS();
      expect(v130).not.toHaveProperty('certificateValidityPeriod');
      const none = parseAllDocuments(derivedClusterConfiguration(v('1.31.4'), flags, true).text)[0]?.toJS();
      expect(none).not.toHaveProperty('certificateValidityPeriod');
    });
  });
});
