// The read-only modules that read a node: node_facts and served_certs. They run the same in a
// dry run; what they publish is what `check` reports.
import { describe, expect, it } from 'vitest';
import { NODE_FACTS_SCRIPT, SERVED_FACTS_SCRIPT } from '../../../src/kube/node-scripts.js';
import { nodeFactsModule } from '../../../src/modules/node-facts.js';
import { LOOPBACK_WARN_DAYS, servedCertsModule } from '../../../src/modules/served-certs.js';
import { COMPONENT_STARTS_SCRIPT } from '../../../src/kube/scripts/components.js';
import {
  FakeNode,
  nodeFacts,
  restartedReply,
  runModule,
  script,
  sections,
  startsAroundChange,
  testPem,
} from './harness.js';

describe('node_facts', () => {
  it("fails with the tail of the script's error when the node cannot be read", async () => {
    const node = new FakeNode().on(script(NODE_FACTS_SCRIPT), { exitCode: 2, stderr: 'sh: 1: awk: not found\n' });
    const run = await runModule(nodeFactsModule, {}, { nodes: { m1: node }, options: { dryRun: true } });
    expect(run.record).toMatchObject({ status: 'failed', message: 'exited 2: sh: 1: awk: not found' });
    expect(run.facts.node).toBeUndefined();
  });

  it('keeps what it read as facts.node and publishes the node and its certificates, in a dry run too', async () => {
    const node = new FakeNode().on(script(NODE_FACTS_SCRIPT), {
      stdout: sections({
        now: String(Math.floor(Date.now() / 1000)),
        'apiserver-image': 'k8s.gcr.io/kube-apiserver:v1.20.2',
        kubelet: 'active',
      }),
    });
    const run = await runModule(nodeFactsModule, {}, { nodes: { m1: node }, options: { dryRun: true } });
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toMatch(
      /^Kubernetes 1\.20\.2, runtime unknown, kubeadm absent, kubelet active, no certificates found$/,
    );
    expect(run.facts.node?.kubernetesVersion).toBe('1.20.2');
    expect(run.report.node).toMatchObject({ kubernetesVersion: '1.20.2', kubeletState: 'active' });
    expect(run.report.certificatesBefore?.map((c) => c.name)).toContain('apiserver');
  });
});

describe('served_certs', () => {
  const facts = () => {
    const f = nodeFacts();
    f.certs.apiserver!.fingerprint256 = undefined;
    return f;
  };
  const served = (parts: Record<string, string>, starts = restartedReply()) =>
    new FakeNode()
      .on(script(SERVED_FACTS_SCRIPT), { stdout: sections(parts) })
      .on(script(COMPONENT_STARTS_SCRIPT), starts);

  it('is skipped on a node with no control plane', async () => {
    const run = await runModule(
      servedCertsModule,
      {},
      { facts: { m1: { node: nodeFacts(200, { isControlPlane: false }) } } },
    );
    expect(run.record).toMatchObject({ status: 'skipped', message: 'no control-plane manifests: nothing served here' });
  });

  it('reports a port that serves nothing, and a certificate other than the file on disk', async () => {
    const f = facts();
    f.certs['etcd-server']!.fingerprint256 = 'not-what-is-served';
    const run = await runModule(
      servedCertsModule,
      {},
      {
        nodes: { m1: served({ 'served-apiserver': '', 'served-etcd': testPem('05'), 'apiserver-inspect': '' }) },
        facts: { m1: { node: f } },
      },
    );
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toBe(
      'nothing served on :6443; etcd on :2379 serves a certificate other than etcd-server on disk (what clients see)',
    );
    expect(run.report.servedProblems).toHaveLength(2);
    expect(run.report.served?.map((s) => [s.name, s.present, s.matchesDisk])).toEqual([
      ['kube-apiserver', false, undefined],
      ['etcd', true, false],
    ]);
  });

  it('warns when the API server has run long enough for its loopback certificate to near its end', async () => {
    const startedAt = new Date(Date.now() - (LOOPBACK_WARN_DAYS + 5) * 86_400_000).toISOString();
    const pem = testPem('06');
    const run = await runModule(
      servedCertsModule,
      {},
      {
        nodes: { m1: served({ 'served-apiserver': pem, 'served-etcd': pem, 'apiserver-inspect': startedAt }) },
        facts: { m1: { node: facts() } },
      },
    );
    expect(run.record.message).toMatch(
      new RegExp(
        `kube-apiserver has run ${LOOPBACK_WARN_DAYS + 5} days: its loopback certificate expires one year after start \\(kubernetes#86552\\); restart it`,
      ),
    );
    expect(run.report.apiserverStartedAt).toBe(startedAt);
  });

  it('reports a component started before its credential files changed, though what is served matches the files', async () => {
    const pem = testPem('07');
    const f = facts();
    f.certs['etcd-server']!.fingerprint256 = undefined;
    const run = await runModule(
      servedCertsModule,
      {},
      {
        nodes: {
          m1: served(
            { 'served-apiserver': pem, 'served-etcd': pem, 'apiserver-inspect': new Date().toISOString() },
            startsAroundChange(['kube-controller-manager']),
          ),
        },
        facts: { m1: { node: f } },
      },
    );
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toMatch(
      /^kube-controller-manager not restarted since its credentials changed: its container started \S+, before \/etc\/kubernetes\/kube-controller-manager\.credentials changed/,
    );
    expect(run.report.restarts?.map((r) => [r.component, r.verdict])).toEqual([
      ['etcd', 'restarted'],
      ['kube-apiserver', 'restarted'],
      ['kube-controller-manager', 'not-restarted'],
      ['kube-scheduler', 'restarted'],
    ]);
  });
});
