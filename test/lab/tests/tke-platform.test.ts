// TKEStack in the lab: token kubeconfigs on every node (and the masters' token file and flag), and the
// platform objects the global cluster serves, shaped as tkestack/tke's api/platform/v1 types.
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { platformObjects, platformToken } from '../infra/tke-platform.js';
import { buildClusterFiles } from '../pki/index.js';
import { clusterSpec } from './kubeadm-harness.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('TKEStack token kubeconfigs (rootKubeconfigToken)', () => {
  const token = platformToken();
  const spec = clusterSpec({
    masters: [{ name: 'global-m1', address: '10.231.1.10' }],
    workers: [{ name: 'global-w1', address: '10.231.1.12' }],
    rootKubeconfigToken: token,
    light: false,
  });
  const files = buildClusterFiles(spec);
  const file = (node: string, p: string): string => String(files.get(node)?.find((f) => f.path === p)?.data ?? '');

  it("masters and workers get TKEStack's token kubeconfig, not admin.conf's copy", () => {
    for (const node of ['global-m1', 'global-w1']) {
      const doc = YAML.parse(file(node, 'root/.kube/config')) as Obj;
      expect(doc.users).toEqual([{ name: 'admin', user: { token } }]);
      expect(doc.clusters[0].name).toBe(spec.name);
    }
    expect(file('global-m1', 'root/.kube/config')).not.toBe(file('global-m1', 'etc/kubernetes/admin.conf'));
  });

  it('the masters hold the token file and the apiserver reads it', () => {
    expect(file('global-m1', 'etc/kubernetes/known_tokens.csv')).toBe(`${token},admin,admin,system:masters\n`);
    expect(file('global-m1', 'etc/kubernetes/manifests/kube-apiserver.yaml')).toContain(
      '--token-auth-file=/etc/kubernetes/known_tokens.csv',
    );
  });
});

describe('platformObjects', () => {
  const clusters = [
    {
      name: 'g',
      type: 'global' as const,
      kubernetesVersion: '1.18.3',
      runtime: 'docker' as const,
      masters: [
        { name: 'g-m1', address: '10.0.0.1' },
        { name: 'g-m2', address: '10.0.0.2' },
      ],
      workers: [{ name: 'g-w1', address: '10.0.0.3' }],
      token: 'tok-global',
    },
    {
      name: 'biz',
      type: 'standalone' as const,
      kubernetesVersion: '1.21.4',
      runtime: 'containerd' as const,
      masters: [{ name: 'biz-m1', address: '10.0.1.1' }],
      workers: [],
      token: 'tok-biz',
    },
  ];
  const objects = platformObjects(clusters) as Obj[];
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it('names the global cluster "global" and lists masters in order with base64 secrets', () => {
    const [global, biz, imported] = byKind('Cluster');
    expect(global!.metadata.name).toBe('global');
    expect(global!.spec.machines.map((m: Obj) => m.ip)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(Buffer.from(global!.spec.machines[0].password, 'base64').toString()).toMatch(/^password-[0-9a-f]{24}$/);
    expect(global!.spec.machines[0].proxy).toEqual({ type: '', ip: '', port: 0 });
    expect(global!.spec.features.containerRuntime).toBe('');
    expect(Buffer.from(biz!.spec.machines[0].privateKey, 'base64').toString()).toContain('BEGIN RSA PRIVATE KEY');
    expect(imported!.spec.type).toBe('Imported');
  });

  it('a Machine per worker and a ClusterCredential per cluster holding its token and CA key', () => {
    expect(byKind('Machine').map((m) => [m.spec.clusterName, m.spec.ip])).toEqual([['global', '10.0.0.3']]);
    const cc = byKind('ClusterCredential');
    expect(cc.map((c) => [c.clusterName, c.token])).toEqual([
      ['global', 'tok-global'],
      ['biz', 'tok-biz'],
      ['cls-imported', undefined],
    ]);
    expect(cc[0]!.caKey).toEqual(expect.any(String));
  });
});
