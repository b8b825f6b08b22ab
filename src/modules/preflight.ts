// preflight: refuses, before anything changes, a master that cannot be renewed safely. Read-only.
import { z } from 'zod';
import type { ModuleContext, ReadOnlyModule } from '../playbook/types.js';
import { CA_CATALOG, renewableCerts } from '../kube/cert-catalog.js';
import { isSupported } from '../kube/kubeadm-commands.js';
import type { NodeFacts } from '../kube/node-facts.js';
import { KUBERNETES_DIR } from '../kube/paths.js';
import { parseVersion } from '../kube/version.js';
import { chooseKubeadm } from './support/kubeadm-choice.js';
import { days } from './support/days.js';
import { getFacts } from './support/state.js';
import { unfinishedRenewal } from './support/unfinished.js';

export const preflightModule: ReadOnlyModule<Record<string, never>> = {
  name: 'preflight',
  description:
    'Checks root, control plane, version, runtime, kubelet, kubeadm, clock, disk and certificate sanity on each master (read-only).',
  args: z.object({}).strict(),
  mutates: false,
  async run(ctx) {
    const facts = getFacts(ctx);
    const problems = hostProblems(ctx, facts);
    if (problems.length > 0) {
      throw ctx.fail(problems.join('; '), 'nothing was changed on any master of this cluster');
    }
    const due = await dueReason(ctx, facts);
    ctx.facts.due = due.due;
    const kubeadm = chooseKubeadm(facts);
    ctx.facts.kubeadmReady = kubeadm.kind === 'use';
    return {
      status: 'ok',
      message: `ready; ${due.reason}${kubeadm.kind === 'missing' ? `; ${kubeadm.reason}: will provision (${ctx.cluster.kubeadm.provision})` : ''}`,
      // reason and soonest: the plan and the run's last line say why a master is (not) due.
      data: {
        due: due.due,
        reason: due.reason,
        ...(due.soonest ? { soonest: due.soonest } : {}),
        kubeadm: kubeadm.kind === 'use' ? kubeadm.version : 'to provision',
      },
    };
  },
};

function hostProblems(ctx: ModuleContext, facts: NodeFacts): string[] {
  const p: string[] = [];
  const expectCp = ctx.cluster.etcd === 'stacked' ? ['kube-apiserver.yaml', 'etcd.yaml'] : ['kube-apiserver.yaml'];
  if (facts.uid !== 0) p.push(`commands do not run as root (uid ${facts.uid}): enable become (sudo) for this host`);
  const missingManifests = expectCp.filter((m) => !facts.manifests.includes(m));
  if (missingManifests.length)
    p.push(`not a kubeadm control plane: /etc/kubernetes/manifests lacks ${missingManifests.join(', ')}`);
  const version = parseVersion(facts.kubernetesVersion ?? '');
  if (!version) p.push('cannot tell the Kubernetes version (kube-apiserver manifest image tag unreadable)');
  else {
    if (!isSupported(version))
      p.push(`Kubernetes ${version.raw} is older than 1.15, whose kubeadm cannot renew the kubeconfigs`);
    const expected = ctx.cluster.kubernetesVersion ? parseVersion(ctx.cluster.kubernetesVersion) : undefined;
    if (
      expected &&
      (expected.major !== version.major || expected.minor !== version.minor || expected.patch !== version.patch)
    ) {
      p.push(`the inventory says Kubernetes ${expected.raw} but the node runs ${version.raw}`);
    }
  }
  if (!facts.runtime) p.push(`container runtime: ${facts.runtimeProblem ?? 'not detected'}`);
  else if (ctx.cluster.runtime && ctx.cluster.runtime !== facts.runtime) {
    p.push(`the inventory says runtime ${ctx.cluster.runtime} but the node runs ${facts.runtime}`);
  }
  if (facts.kubeletState !== 'active')
    p.push(`kubelet is ${facts.kubeletState}: without it a removed container never comes back`);
  const kubeadm = chooseKubeadm(facts);
  if (kubeadm.kind === 'missing' && ctx.cluster.kubeadm.provision === 'none') {
    p.push(
      `${kubeadm.reason}: refusing (a mismatched kubeadm may overwrite the cluster configuration with defaults); install the matching kubeadm or set kubeadm.provision in the inventory`,
    );
  }
  // A `date` that printed garbage gives NaN, which no comparison refuses: say so instead.
  if (!Number.isFinite(facts.clockSkewMs) || !(facts.nodeNowSec > 0))
    p.push("cannot read the node's clock (date -u +%s printed no number)");
  else if (Math.abs(facts.clockSkewMs) > ctx.options.maxClockSkewMs) {
    p.push(
      `clock differs from this machine's by ${Math.round(facts.clockSkewMs / 1000)}s (limit ${Math.round(ctx.options.maxClockSkewMs / 1000)}s): new certificates would not be valid yet; fix NTP`,
    );
  }
  const needKb = 2 * ((facts.kubernetesDirKb ?? 0) + (facts.etcdDirKb ?? 0)) + 10 * 1024;
  if (facts.diskFreeKb === undefined) p.push('cannot read free space for backups');
  else if (facts.diskFreeKb < needKb) p.push(`only ${facts.diskFreeKb} KiB free for backups, need ${needKb} KiB`);
  for (const ca of Object.values(facts.cas)) {
    if (!ca.present) p.push(`CA ${ca.name} is missing`);
    else if (ca.problem)
      p.push(
        `CA ${ca.name} (${KUBERNETES_DIR}/${CA_CATALOG.find((x) => x.name === ca.name)?.crt ?? '?'}): ${ca.problem}`,
      );
  }
  if (version) {
    for (const c of renewableCerts(version, ctx.cluster.etcd)) {
      const f = facts.certs[c.name];
      if (!f || !f.present) {
        if (!c.initNodeOnly) p.push(`${c.name} is missing`);
        continue;
      }
      if (f.problem) p.push(`${c.name} (${KUBERNETES_DIR}/${c.path}): ${f.problem}`);
      else if (f.chainsToCa === false) p.push(`${c.name} is not signed by ${c.ca}`);
      else if (f.keyMatches === false) p.push(`${c.name} does not match its private key`);
    }
  }
  return p;
}

interface DueReason {
  due: boolean;
  reason: string;
  /** The renewable certificate that ends first. */
  soonest?: { name: string; residualSeconds: number };
}

async function dueReason(ctx: ModuleContext, facts: NodeFacts): Promise<DueReason> {
  const version = parseVersion(facts.kubernetesVersion ?? '');
  const certs = version
    ? renewableCerts(version, ctx.cluster.etcd)
        .map((c) => facts.certs[c.name])
        .filter((c) => c?.present)
    : [];
  const soonest = certs.sort((a, b) => (a?.residualSeconds ?? 0) - (b?.residualSeconds ?? 0))[0];
  const first =
    soonest?.residualSeconds === undefined
      ? undefined
      : { name: soonest.name, residualSeconds: soonest.residualSeconds };
  if (ctx.options.force) return { due: true, reason: 'renewal forced', soonest: first };
  if (!first) return { due: true, reason: 'no readable certificate expiry' };
  const left = first.residualSeconds;
  if (left < ctx.options.renewWithinSeconds)
    return {
      due: true,
      reason: `due: ${first.name} ${left < 0 ? 'expired' : `expires in ${days(left)}`}`,
      soonest: first,
    };
  // A run cut short (connection lost, process killed) leaves a master not due but half done.
  const unfinished = await unfinishedRenewal(ctx, facts);
  if (unfinished) return { due: true, reason: `due: ${unfinished}`, soonest: first };
  return {
    due: false,
    soonest: first,
    reason: `not due: soonest ${first.name} in ${days(left)} (threshold ${days(ctx.options.renewWithinSeconds)})`,
  };
}
