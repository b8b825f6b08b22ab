// kubeadm_renew: the kubeadm it runs, how it judges kubeadm's output, and the proof afterwards.
import { describe, expect, it } from 'vitest';
import { renewableCerts } from '../../../src/kube/cert-catalog.js';
import { summarizeClusterConfiguration } from '../../../src/kube/kubeadm-config.js';
import { NODE_FACTS_SCRIPT } from '../../../src/kube/node-scripts.js';
import { KUBEADM_WITH_CONFIG_SCRIPT } from '../../../src/kube/scripts/kubeadm.js';
import { parseVersion } from '../../../src/kube/version.js';
import { kubeadmRenewModule } from '../../../src/modules/kubeadm-renew.js';
import type { NodeFacts } from '../../../src/kube/node-facts.js';
import type { ClusterFacts } from '../../../src/playbook/state.js';
import { CLUSTER_CONFIGURATION, FakeNode, nodeFacts, runModule, script, type Reply } from './harness.js';

/** kubeadm run through kubeadm-with-config.sh: `sh -c <script> sh <kubeadm> certs renew all`. */
const kubeadmRun =
  (kubeadm: string) =>
  (argv: readonly string[]): boolean =>
    script(KUBEADM_WITH_CONFIG_SCRIPT)(argv) && [kubeadm, 'certs', 'renew', 'all'].every((w, i) => argv[4 + i] === w);
const KUBEADM = kubeadmRun('/usr/bin/kubeadm');
/** What cluster_preflight leaves on the rolling path. */
const ROLLING: ClusterFacts = {
  path: 'rolling',
  kubeadmConfig: { text: CLUSTER_CONFIGURATION, summary: summarizeClusterConfiguration(CLUSTER_CONFIGURATION) },
};
const RENEWABLE = renewableCerts(parseVersion('1.20.2')!, 'stacked');

/** What kubeadm 1.20 prints, with `change` applied to its lines. */
function kubeadmOutput(change: (lines: string[]) => string[] = (l) => l): Reply {
  const lines = [
    '[renew] Reading configuration from the cluster...',
    ...RENEWABLE.map((c) => `${c.longName} renewed`),
    'Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.',
  ];
  return { stdout: `${change(lines).join('\n')}\n` };
}

/** A node that renews as told, then reads as empty (no certificate present). */
function node(reply: Reply = kubeadmOutput()): FakeNode {
  return new FakeNode().on(KUBEADM, reply).on(script(NODE_FACTS_SCRIPT), { stdout: '' });
}

function renew(
  fake: FakeNode,
  facts: NodeFacts = nodeFacts(10),
  more: { clusterFacts?: ClusterFacts; dryRun?: boolean } = {},
) {
  return runModule(
    kubeadmRenewModule,
    {},
    {
      nodes: { m1: fake },
      facts: { m1: { node: facts, due: true } },
      clusterFacts: more.clusterFacts ?? ROLLING,
      options: { dryRun: more.dryRun ?? false },
    },
  );
}

describe('kubeadm_renew', () => {
  it('in a dry run says which kubeadm would renew what, and runs nothing', async () => {
    const fake = node();
    const run = await renew(fake, nodeFacts(10), { dryRun: true });
    expect(run.record.status).toBe('would-change');
    expect(run.record.message).toMatch(
      /^would run \/usr\/bin\/kubeadm certs renew all --config <file> \(the matching kubeadm, configuration from the kubeadm-config ConfigMap\): 10 certificates, soonest \S+ ends \d{4}-\d{2}-\d{2}, all would end about \d{4}-\d{2}-\d{2}$/,
    );
    expect(fake.calls).toEqual([]);
    expect(run.facts.factsBefore).toBeUndefined();
  });

  it('is skipped on a master that is not due', async () => {
    const fake = node();
    const run = await runModule(
      kubeadmRenewModule,
      {},
      { nodes: { m1: fake }, facts: { m1: { node: nodeFacts(), due: false } } },
    );
    expect(run.record).toMatchObject({ status: 'skipped', message: 'not due for renewal' });
    expect(fake.calls).toEqual([]);
  });

  it("refuses without a kubeadm of the cluster's version (it would overwrite the configuration with defaults)", async () => {
    const fake = node();
    const run = await renew(fake, nodeFacts(10, { kubeadm: { path: '/usr/bin/kubeadm', version: '1.22.1' } }));
    expect(run.record).toMatchObject({
      status: 'failed',
      message:
        "kubeadm 1.22.1 does not match the cluster's 1.20.2 (run with kubeadm provisioning allowed in the inventory)",
    });
    expect(fake.calls).toEqual([]);
  });

  it("uses the kubeadm provisioned beside the node's own when that one is of another version", async () => {
    const fake = new FakeNode()
      .on(kubeadmRun('/opt/kcr/kubeadm-v1.20.2'), kubeadmOutput())
      .on(script(NODE_FACTS_SCRIPT), { stdout: '' });
    const facts = nodeFacts(10, {
      kubeadm: { path: '/usr/bin/kubeadm', version: '1.22.1' },
      provisionedKubeadm: [{ path: '/opt/kcr/kubeadm-v1.20.2', version: '1.20.2' }],
    });
    await renew(fake, facts);
    expect(fake.calls[0]?.slice(3)).toEqual(['sh', '/opt/kcr/kubeadm-v1.20.2', 'certs', 'renew', 'all']);
  });

  it('fails on a non-zero exit, with the tail of its output', async () => {
    const run = await renew(
      node({ exitCode: 1, stderr: 'error execution phase: open /etc/kubernetes/pki/ca.key: permission denied\n' }),
    );
    expect(run.record).toMatchObject({
      status: 'failed',
      message:
        '/usr/bin/kubeadm certs renew all --config <file> (configuration from the kubeadm-config ConfigMap) exited 1: error execution phase: open /etc/kubernetes/pki/ca.key: permission denied',
    });
  });

  it('fails on output it does not understand, and on a certificate kubeadm did not report or found missing', async () => {
    const garbage = await renew(node(kubeadmOutput((l) => [...l, 'segmentation fault'])));
    expect(garbage.record.message).toBe('unexpected kubeadm output: segmentation fault');
    const silent = await renew(
      node(kubeadmOutput((l) => l.filter((x) => !x.startsWith('certificate for serving etcd')))),
    );
    expect(silent.record.message).toBe('kubeadm did not report etcd-server');
    const missing = await renew(
      node(
        kubeadmOutput((l) =>
          l.map((x) =>
            x.startsWith('certificate for the front proxy client')
              ? 'MISSING! certificate for the front proxy client'
              : x,
          ),
        ),
      ),
    );
    expect(missing.record.message).toBe('front-proxy-client is missing (MISSING! from kubeadm)');
  });

  it("gives kubeadm the cluster configuration cluster_preflight read, with this node's identity, on stdin", async () => {
    const fake = node();
    const facts = nodeFacts(10, {
      kubeletConf: { present: true, embedded: false, subject: 'O=system:nodes, CN=system:node:10.0.0.1' },
    });
    await renew(fake, facts);
    expect(fake.stdins[0]).toBe(
      [
        'apiVersion: kubeadm.k8s.io/v1beta2',
        'kind: InitConfiguration',
        'nodeRegistration:',
        '  name: 10.0.0.1',
        '  criSocket: /var/run/dockershim.sock',
        'localAPIEndpoint:',
        '  advertiseAddress: 10.0.0.1',
        '  bindPort: 6443',
        '---',
        CLUSTER_CONFIGURATION,
      ].join('\n'),
    );
  });

  it('on the recovery path (API down) derives the configuration from the manifests', async () => {
    const fake = node();
    const facts = nodeFacts(-1, {
      apiserverFlags: {
        'advertise-address': '10.0.0.1',
        'client-ca-file': '/etc/kubernetes/pki/ca.crt',
        'etcd-servers': 'https://127.0.0.1:2379',
      },
    });
    const run = await renew(fake, facts, { clusterFacts: { path: 'expired-recovery' } });
    expect(fake.stdins[0]).toContain(
      '---\napiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\nkubernetesVersion: v1.20.2\ncertificatesDir: /etc/kubernetes/pki\netcd:\n  local:\n    dataDir: /var/lib/etcd\n',
    );
    // It goes on to the proof (which this empty fake node then fails).
    expect(run.record.message).toMatch(/^verification after renewal failed/);
  });

  it('without the configuration cluster_preflight reads, refuses before running kubeadm', async () => {
    const fake = node();
    const run = await renew(fake, nodeFacts(10), { clusterFacts: { path: 'rolling' } });
    expect(run.record).toMatchObject({
      status: 'failed',
      message: 'the cluster configuration was not read (cluster_preflight must run first)',
    });
    expect(fake.calls).toEqual([]);
  });

  it('a fall-back to default configuration despite --config fails the renewal', async () => {
    const fellBack = kubeadmOutput((l) => [
      '[renew] Error reading configuration from the Cluster. Falling back to default configuration',
      ...l.slice(1),
    ]);
    const run = await renew(node(fellBack));
    expect(run.record.message).toBe(
      'kubeadm printed "Falling back to default configuration" although it was given --config (the tool read kube-system/kubeadm-config itself (kubeadm.k8s.io/v1beta2) and gave it with --config): this kubeadm did not read the file it was given; nothing it renewed is trusted',
    );
    expect(run.record.message).not.toMatch(/skew/);
    const recovering = await renew(node(fellBack), nodeFacts(-1), { clusterFacts: { path: 'expired-recovery' } });
    expect(recovering.record.message).toMatch(
      /although it was given --config \(certificates already expired, so no API server could serve kube-system\/kubeadm-config and the tool derived the configuration from the static pod manifests\)/,
    );
  });

  it('1.31+ on the recovery path renews with the validity period the old certificates were issued with', async () => {
    const fake = node();
    const base = nodeFacts(-1, {
      kubernetesVersion: '1.31.4',
      kubeadm: { path: '/usr/bin/kubeadm', version: '1.31.4' },
    });
    // kubeadm 1.31 issued apiserver.crt two years long (NotBefore backdated 5 min), long after its CA.
    const issued = Date.parse('2024-06-01T12:00:00Z');
    const facts: NodeFacts = {
      ...base,
      certs: {
        ...base.certs,
        apiserver: {
          ...base.certs.apiserver!,
          notBefore: new Date(issued - 300_000).toISOString(),
          notAfter: new Date(issued + 17520 * 3_600_000).toISOString(),
        },
      },
    };
    const dry = await renew(fake, facts, { clusterFacts: { path: 'expired-recovery' }, dryRun: true });
    expect(dry.record.message).toMatch(
      /configuration from the static pod manifests, certificateValidityPeriod 17520h0m0s from apiserver\.crt\)/,
    );
    await renew(fake, facts, { clusterFacts: { path: 'expired-recovery' } });
    expect(fake.stdins[0]).toContain('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n');
    expect(fake.stdins[0]).toContain('\ncertificateValidityPeriod: 17520h0m0s\n');
  });

  it('proves the renewal by reading the node again; keeps the facts from before for the later steps', async () => {
    const before = nodeFacts(10);
    const run = await renew(node(), before);
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toMatch(
      /^verification after renewal failed: admin\.conf disappeared; apiserver disappeared; /,
    );
    expect(run.facts.factsBefore).toBe(before);
    expect(run.clusterFacts.renewedAny).toBeUndefined();
  });
});
