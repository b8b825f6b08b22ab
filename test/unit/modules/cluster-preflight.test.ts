// cluster_preflight: the same CAs on every master, the renewal path, and a healthy cluster before
// the first restart of a rolling renewal (read-only).
import { describe, expect, it } from 'vitest';
import { HEALTH_SCRIPT } from '../../../src/kube/node-scripts.js';
import type { NodeFacts } from '../../../src/kube/node-facts.js';
import { clusterPreflightModule } from '../../../src/modules/cluster-preflight.js';
import type { HostFacts } from '../../../src/playbook/state.js';
import { summarizeClusterConfiguration } from '../../../src/kube/kubeadm-config.js';
import {
  CLUSTER_CONFIGURATION,
  FakeNode,
  healthReply,
  kubeadmConfigMapReply,
  nodeFacts,
  readsKubeadmConfig,
  runModule,
  script,
  testPem,
  type HealthSpec,
  type Reply,
} from './harness.js';

const MASTERS = ['m1', 'm2', 'm3'];

function facts(due: boolean, change?: (name: string, f: NodeFacts) => void): Record<string, HostFacts> {
  return Object.fromEntries(
    MASTERS.map((m) => {
      // Due (the flag decides), yet outside tke-platform-controller's 30-day window.
      const node = nodeFacts(due ? 40 : 200);
      change?.(m, node);
      return [m, { node, due }];
    }),
  );
}

/** Healthy masters; the first (where cluster_preflight runs) answers kubectl for kubeadm-config with `config`. */
function healthy(spec: HealthSpec = {}, config: Reply = kubeadmConfigMapReply()): Record<string, FakeNode> {
  return Object.fromEntries(
    MASTERS.map((m) => [m, new FakeNode().on(script(HEALTH_SCRIPT), healthReply(spec)).on(readsKubeadmConfig, config)]),
  );
}

describe('cluster_preflight', () => {
  it('refuses masters whose CAs differ, naming each fingerprint', async () => {
    const run = await runModule(
      clusterPreflightModule,
      {},
      { facts: facts(true, (m, f) => m === 'm2' && (f.cas.ca!.fingerprint256 = 'other-ca-fingerprint')) },
    );
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toBe(
      'CA ca differs between masters (m1=fp-ca, m2=other-ca-fin, m3=fp-ca) (nothing was changed)',
    );
  });

  it('refuses masters whose service-account keys differ', async () => {
    const run = await runModule(
      clusterPreflightModule,
      {},
      { facts: facts(true, (m, f) => m === 'm3' && (f.saHashes['pki/sa.key'] = 'another')) },
    );
    expect(run.record).toMatchObject({
      status: 'failed',
      message: 'pki/sa.key differs between masters (nothing was changed)',
    });
  });

  it('takes the recovery path when a certificate the cluster needs has expired, without probing health', async () => {
    const nodes = healthy();
    const run = await runModule(
      clusterPreflightModule,
      {},
      { facts: facts(true, (m, f) => m === 'm2' && (f.certs['etcd-peer']!.residualSeconds = -60)), nodes },
    );
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toMatch(/^certificates already expired \(m2:etcd-peer\): recovery path/);
    expect(run.clusterFacts.path).toBe('expired-recovery');
    expect(run.clusterReport).toEqual({ path: 'expired-recovery', expired: ['m2:etcd-peer'] });
    expect(MASTERS.map((m) => nodes[m]!.calls.length)).toEqual([0, 0, 0]);
  });

  it('with no master due: rolling, and no probe', async () => {
    const nodes = healthy();
    const run = await runModule(clusterPreflightModule, {}, { facts: facts(false), nodes });
    expect(run.record).toMatchObject({ status: 'ok', message: 'no master is due for renewal' });
    expect(run.clusterFacts.path).toBe('rolling');
    expect(nodes.m1!.calls).toEqual([]);
  });

  it('--limit leaving one master: says the CAs were not cross-checked, and which masters were left out', async () => {
    const nodes = healthy();
    const run = await runModule(
      clusterPreflightModule,
      {},
      { facts: facts(true), nodes, masters: ['m2'], cluster: { mastersLeftOut: ['m1', 'm3'] } },
    );
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toBe(
      'healthy; CAs not cross-checked: only 1 master in this run (--limit left out m1, m3: not compared with them); kubeadm-config v1beta2 (local etcd); rolling renewal',
    );
    expect(run.record.message).not.toContain('identical');
    const two = await runModule(
      clusterPreflightModule,
      {},
      { facts: facts(true), nodes: healthy(), masters: ['m1', 'm2'], cluster: { mastersLeftOut: ['m3'] } },
    );
    expect(two.record.message).toMatch(
      /^healthy; CAs identical on 2 master\(s\) \(--limit left out m3: not compared with them\);/,
    );
  });

  it("warns, naming the first master, when the run falls inside tke-platform-controller's 30-day window", async () => {
    const inWindow = facts(true, (_, f) => {
      f.certs.apiserver!.residualSeconds = 12 * 86_400 + 3600;
    });
    const run = await runModule(clusterPreflightModule, {}, { facts: inWindow, nodes: healthy() });
    expect(run.record.message).toMatch(
      /; rolling renewal; inside tke-platform-controller's 30-day window \(m1 apiserver\.crt: 12d left\): on TKEStack it may renew these masters by itself during this run; m1 is renewed first/,
    );
  });

  it('rolling on a healthy cluster: probes every master and keeps the etcd member URLs', async () => {
    const nodes = healthy();
    const run = await runModule(clusterPreflightModule, {}, { facts: facts(true), nodes });
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toBe(
      'healthy; CAs identical on 3 master(s); kubeadm-config v1beta2 (local etcd); rolling renewal',
    );
    expect(run.clusterFacts).toEqual({
      path: 'rolling',
      etcdUrls: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379', 'https://10.0.0.3:2379'],
      kubeadmConfig: { text: CLUSTER_CONFIGURATION, summary: summarizeClusterConfiguration(CLUSTER_CONFIGURATION) },
    });
    for (const m of MASTERS) expect(nodes[m]!.count(script(HEALTH_SCRIPT))).toBeGreaterThanOrEqual(1);
  });

  it('refuses a rolling renewal when an etcd member is unhealthy (quorum at risk)', async () => {
    const run = await runModule(
      clusterPreflightModule,
      {},
      { facts: facts(true), nodes: healthy({ unhealthy: ['https://10.0.0.2:2379'] }) },
    );
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toMatch(
      /^cluster not healthy before renewal: m1: etcd member m2 \(https:\/\/10\.0\.0\.2:2379\) unhealthy/,
    );
    expect(run.record.message).toMatch(/\(a restart now could lose etcd quorum; nothing was changed\)$/);
  });

  it('refuses when an API server is not ready, or when a master cannot be probed', async () => {
    const nodes = healthy();
    nodes.m3 = new FakeNode().on(script(HEALTH_SCRIPT), healthReply({ apiserverReady: false }));
    const notReady = await runModule(clusterPreflightModule, {}, { facts: facts(true), nodes });
    expect(notReady.record.message).toMatch(/m3: kube-apiserver not ready \(HTTP 500 readyz check failed\)/);
    delete nodes.m3;
    const unanswered = await runModule(clusterPreflightModule, {}, { facts: facts(true), nodes });
    expect(unanswered.record.status).toBe('failed');
  });

  it('reports masters that served certificates other than those on disk', async () => {
    const nodes = healthy();
    nodes.m2 = new FakeNode().on(script(HEALTH_SCRIPT), healthReply({ served: testPem('02') }));
    const run = await runModule(clusterPreflightModule, {}, { facts: facts(true), nodes });
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toMatch(/; m2 served stale certificates \(a restart was missed earlier\)$/);
    expect(run.clusterReport.servedNotOnDiskBefore).toEqual(['m2']);
  });

  it("refuses a rolling renewal when kubeadm-config cannot be read, naming kubectl's error", async () => {
    const nodes = healthy(
      {},
      { exitCode: 1, stderr: 'Error from server (NotFound): configmaps "kubeadm-config" not found\n' },
    );
    const run = await runModule(clusterPreflightModule, {}, { facts: facts(true), nodes });
    expect(run.record).toMatchObject({
      status: 'failed',
      message:
        'cannot read kube-system/kubeadm-config: kubectl -n kube-system get configmap kubeadm-config -o json failed: Error from server (NotFound): configmaps "kubeadm-config" not found (without it kubeadm would renew with its default configuration; nothing was changed)',
    });
  });

  it('refuses a kubeadm-config whose PKI is elsewhere, or whose etcd contradicts the inventory', async () => {
    const elsewhere = CLUSTER_CONFIGURATION.replace(
      'certificatesDir: /etc/kubernetes/pki',
      'certificatesDir: /srv/pki',
    );
    const moved = await runModule(
      clusterPreflightModule,
      {},
      { facts: facts(true), nodes: healthy({}, kubeadmConfigMapReply(elsewhere)) },
    );
    expect(moved.record.message).toBe(
      'kube-system/kubeadm-config: its certificatesDir is /srv/pki; this tool renews /etc/kubernetes/pki only (nothing was changed)',
    );
    const external = CLUSTER_CONFIGURATION.replace(
      '  local:\n    dataDir: /var/lib/etcd',
      '  external:\n    endpoints:\n    - https://10.0.0.9:2379',
    );
    const ext = await runModule(
      clusterPreflightModule,
      {},
      { facts: facts(true), nodes: healthy({}, kubeadmConfigMapReply(external)) },
    );
    expect(ext.record.message).toBe(
      'kube-system/kubeadm-config: it says etcd is external but the inventory says etcd: stacked (nothing was changed)',
    );
    const broken = await runModule(
      clusterPreflightModule,
      {},
      { facts: facts(true), nodes: healthy({}, kubeadmConfigMapReply('kind: [')) },
    );
    expect(broken.record.message).toMatch(/^kube-system\/kubeadm-config: ClusterConfiguration is not valid YAML: /);
  });
});
