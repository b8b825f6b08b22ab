// cluster_preflight: checks across the masters of one cluster, once, before anything changes:
// the same CAs everywhere, the cluster healthy (every etcd member, every API server), and which
// path the renewal takes: rolling, or recovery when certificates have already expired.
import { z } from 'zod';
import type { RenewalPath } from '../playbook/state.js';
import type { ReadOnlyModule } from '../playbook/types.js';
import { memberUrls } from '../kube/health.js';
import type { NodeFacts } from '../kube/node-facts.js';
import { judgeHealth, probeHealth } from './support/health-probe.js';
import { readClusterKubeadmConfig } from './support/kubeadm-config.js';
import { getFacts } from './support/state.js';
import { tkeWindowWarning } from './support/tke-window.js';

/** Certificates whose expiry breaks the cluster's own health (peers and clients reject them). */
const CRITICAL_FOR_HEALTH = [
  'apiserver',
  'apiserver-etcd-client',
  'etcd-peer',
  'etcd-server',
  'admin.conf',
  'etcd-healthcheck-client',
];

export const clusterPreflightModule: ReadOnlyModule<Record<string, never>> = {
  name: 'cluster_preflight',
  description:
    'Checks that all masters share their CAs and the cluster is healthy, and picks the renewal path (read-only).',
  args: z.object({}).strict(),
  mutates: false,
  async run(ctx) {
    const masters = ctx.cluster.masters;
    const all = masters.map((m) => ({ host: m, facts: getFacts(ctx, m.name) }));
    const problems = caProblems(all);
    const expired = all.flatMap(({ host, facts }) =>
      CRITICAL_FOR_HEALTH.filter((n) => (facts.certs[n]?.residualSeconds ?? 1) <= 0).map((n) => `${host.name}:${n}`),
    );
    const path: RenewalPath = expired.length > 0 ? 'expired-recovery' : 'rolling';
    ctx.clusterFacts.path = path;
    ctx.publishCluster('path', path);
    if (problems.length) throw ctx.fail(problems.join('; '), 'nothing was changed');

    const anyDue = masters.some((m) => ctx.factsOf(m.name).due === true);
    if (path === 'expired-recovery') {
      ctx.publishCluster('expired', expired);
      return {
        status: 'ok',
        message: `certificates already expired (${expired.join(', ')}): recovery path (renew every master's files, then restart master by master)`,
        data: { path, expired },
      };
    }
    if (!anyDue) {
      return { status: 'ok', message: 'no master is due for renewal', data: { path, anyDue } };
    }
    // Rolling path: the cluster must be healthy before the first restart, or a restart could lose quorum.
    const reports = await Promise.all(
      masters.map(async (m) => ({
        host: m,
        report: await probeHealth(await ctx.remoteTo(m), ctx.clusterFacts.etcdUrls ?? []),
      })),
    );
    const unhealthy: string[] = [];
    for (const { host, report } of reports) {
      const verdict = judgeHealth(report, {
        etcd: ctx.cluster.etcd === 'stacked',
        allMembers: true,
        servedMatchesDisk: false,
        components: true,
      });
      unhealthy.push(...verdict.problems.map((p) => `${host.name}: ${p}`));
      if (report.etcdMembers && !ctx.clusterFacts.etcdUrls) ctx.clusterFacts.etcdUrls = memberUrls(report.etcdMembers);
    }
    if (unhealthy.length) {
      throw ctx.fail(
        `cluster not healthy before renewal: ${[...new Set(unhealthy)].join('; ')}`,
        'a restart now could lose etcd quorum; nothing was changed',
      );
    }
    // kubeadm renews with the cluster's own configuration (--config), read once here, before any change.
    const kubeadmConfig = await readClusterKubeadmConfig(ctx);
    ctx.clusterFacts.kubeadmConfig = kubeadmConfig;
    const stale = reports
      .filter(({ report }) => !report.apiserverServesDisk || (ctx.cluster.etcd === 'stacked' && !report.etcdServesDisk))
      .map(({ host }) => host.name);
    if (stale.length) ctx.publishCluster('servedNotOnDiskBefore', stale);
    const first = all[0];
    const tkeWindow = first ? tkeWindowWarning(first.host.name, first.facts) : undefined;
    return {
      status: 'ok',
      message: `healthy; ${caComparison(masters.length, ctx.cluster.mastersLeftOut ?? [])}; kubeadm-config ${kubeadmConfig.summary.apiVersion.replace('kubeadm.k8s.io/', '')} (${kubeadmConfig.summary.etcd} etcd); rolling renewal${stale.length ? `; ${stale.join(', ')} served stale certificates (a restart was missed earlier)` : ''}${tkeWindow ? `; ${tkeWindow}` : ''}`,
      data: { path, etcdMembers: ctx.clusterFacts.etcdUrls, ...(tkeWindow ? { tkeWindow } : {}) },
    };
  },
};

/** What the CA comparison proved: nothing across masters when --limit left only one in the run. */
function caComparison(compared: number, leftOut: string[]): string {
  const note = leftOut.length ? ` (--limit left out ${leftOut.join(', ')}: not compared with them)` : '';
  if (compared < 2)
    return leftOut.length ? `CAs not cross-checked: only 1 master in this run${note}` : 'CAs: single master';
  return `CAs identical on ${compared} master(s)${note}`;
}

function caProblems(all: { host: { name: string }; facts: NodeFacts }[]): string[] {
  const problems: string[] = [];
  const first = all[0];
  if (!first) return ['the cluster has no masters'];
  for (const ca of Object.keys(first.facts.cas)) {
    const fps = new Set(all.map(({ facts }) => facts.cas[ca]?.fingerprint256 ?? 'missing'));
    if (fps.size > 1)
      problems.push(
        `CA ${ca} differs between masters (${all.map(({ host, facts }) => `${host.name}=${(facts.cas[ca]?.fingerprint256 ?? 'missing').slice(0, 12)}`).join(', ')})`,
      );
  }
  for (const key of Object.keys(first.facts.saHashes)) {
    const hashes = new Set(all.map(({ facts }) => facts.saHashes[key]));
    if (hashes.size > 1) problems.push(`${key} differs between masters`);
  }
  return problems;
}
