// kubeadm_renew: runs `kubeadm (alpha) certs renew all` with the kubeadm of the cluster's version,
// checks its output line by line, then re-reads every certificate to prove it was renewed.
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { ModuleContext, MutatingModule } from '../playbook/types.js';
import { renewableCerts } from '../kube/cert-catalog.js';
import { renewAllArgs } from '../kube/kubeadm-commands.js';
import type { NodeFacts } from '../kube/node-facts.js';
import { parseRenewOutput } from '../kube/renew-output.js';
import { atLeast, parseVersion, type KubeVersion } from '../kube/version.js';
import { beforeAfter } from '../kube/cert-lines.js';
import { gatherNodeFacts } from './support/gather.js';
import { chooseKubeadm, type KubeadmChoice } from './support/kubeadm-choice.js';
import { getFacts, renewalPath } from './support/state.js';

interface RenewPlan {
  version: KubeVersion;
  /** In a dry run the kubeadm may still be missing: kubeadm_provision would install it first. */
  choice: KubeadmChoice;
}

export const kubeadmRenewModule: MutatingModule<Record<string, never>, RenewPlan> = {
  name: 'kubeadm_renew',
  description: 'Renews every kubeadm certificate of the master with the matching kubeadm and proves each was renewed.',
  args: z.object({}).strict(),
  mutates: true,
  onlyWhenDue: () => true,
  async decide(ctx) {
    const facts = getFacts(ctx);
    const version = parseVersion(facts.kubernetesVersion ?? '');
    if (!version) throw ctx.fail('unknown Kubernetes version');
    const choice = chooseKubeadm(facts);
    const newEnd = new Date(Date.now() + 365 * 86400_000).toISOString();
    const present = renewableCerts(version, ctx.cluster.etcd)
      .map((c) => facts.certs[c.name])
      .filter((c) => c?.present && c.notAfter);
    const soonest = [...present].sort((a, b) => (a?.notAfter ?? '').localeCompare(b?.notAfter ?? ''))[0];
    const certificates = present.map((c) => ({ name: c?.name, notAfterBefore: c?.notAfter, notAfterExpected: newEnd }));
    return {
      kind: 'change',
      message: `would run kubeadm ${renewAllArgs(version).join(' ')} with ${choice.kind === 'use' ? choice.path : 'a provisioned kubeadm'}: ${present.length} certificates, soonest ${soonest?.name ?? '?'} ends ${soonest?.notAfter?.slice(0, 10) ?? '?'}, all would end about ${newEnd.slice(0, 10)}`,
      plan: { version, choice },
      data: { certificates },
    };
  },
  async apply(ctx, _args, { version, choice }) {
    if (choice.kind !== 'use') throw ctx.fail(choice.reason, 'run with kubeadm provisioning allowed in the inventory');
    const before = getFacts(ctx);
    ctx.facts.factsBefore = before;

    const res = await ctx.remote.exec([choice.path, ...renewAllArgs(version)], { timeoutMs: 180_000 });
    if (res.exitCode !== 0) {
      throw ctx.fail(
        `${choice.path} ${renewAllArgs(version).join(' ')} exited ${res.exitCode ?? res.signal}: ${tail(res.stderr || res.stdout)}`,
      );
    }
    const { warnings, renewed } = judgeOutput(ctx, version, res.stdout, res.stderr);
    const after = await gatherNodeFacts(ctx, 'kubeadm_renew verify');
    verifyRenewed(ctx, renewed, before, after);
    ctx.facts.node = after;
    ctx.clusterFacts.renewedAny = true;
    const certificates = beforeAfter(before, after);
    ctx.publish('certificates', certificates);
    ctx.publish('kubeadm', `${choice.path} (${choice.version})`);
    const command = [choice.path, ...renewAllArgs(version)];
    ctx.publish('kubeadmCommand', command);
    return {
      status: 'changed',
      message: `renewed ${renewableCerts(version, ctx.cluster.etcd).filter((c) => after.certs[c.name]?.present).length} certificates with \`${command.join(' ')}\` (kubeadm ${choice.version})${warnings.length ? `; ${warnings.join('; ')}` : ''}`,
      data: { certificates, warnings, command },
    };
  },
};

/** Turns kubeadm's output into failures (thrown) and warnings (returned). */
function judgeOutput(
  ctx: ModuleContext,
  version: KubeVersion,
  stdout: string,
  stderr: string,
): { warnings: string[]; renewed: string[] } {
  const out = parseRenewOutput(stdout, stderr);
  const problems: string[] = [];
  const warnings: string[] = [];
  if (out.unexpected.length) problems.push(`unexpected kubeadm output: ${out.unexpected.slice(0, 3).join(' | ')}`);
  if (out.fellBackToDefaults) {
    // When the cluster is down (expired certificates) kubeadm cannot read its ConfigMap. The defaults
    // are then what kubeadm uses; preflight proved the PKI lives in the default place and etcd is local.
    if (renewalPath(ctx) === 'expired-recovery' && !atLeast(version, 1, 31))
      warnings.push('kubeadm could not read the cluster configuration (cluster down) and used its defaults');
    else
      problems.push('kubeadm could not read the cluster configuration and fell back to its defaults (version skew?)');
  }
  for (const c of renewableCerts(version, ctx.cluster.etcd)) {
    const outcome = out.certs.get(c.name);
    if (outcome === 'renewed') continue;
    if (outcome === 'missing' && c.initNodeOnly) continue;
    if (outcome === 'external') warnings.push(`${c.name}: external CA, not renewed by kubeadm`);
    else if (outcome === 'missing') problems.push(`${c.name} is missing (MISSING! from kubeadm)`);
    else problems.push(`kubeadm did not report ${c.name}`);
  }
  if (problems.length) throw ctx.fail(problems.join('; '));
  return { warnings, renewed: [...out.certs].filter(([, o]) => o === 'renewed').map(([name]) => name) };
}

/** Every certificate kubeadm says it renewed has a new serial, a later end, its key and its CA. */
function verifyRenewed(ctx: ModuleContext, renewed: string[], before: NodeFacts, after: NodeFacts): void {
  const problems: string[] = [];
  for (const name of renewed) {
    const c = { name, ca: after.certs[name]?.ca };
    const b = before.certs[name];
    const a = after.certs[name];
    if (!b?.present) continue;
    if (!a?.present) problems.push(`${c.name} disappeared`);
    else if (a.problem) problems.push(`${c.name}: ${a.problem}`);
    else if (a.serial === b.serial || (a.notAfter ?? '') <= (b.notAfter ?? ''))
      problems.push(`${c.name} was not renewed (same serial or end date)`);
    else if (!a.keyMatches) problems.push(`${c.name} does not match its key after renewal`);
    else if (!a.chainsToCa) problems.push(`${c.name} is not signed by ${c.ca} after renewal`);
  }
  if (problems.length) throw ctx.fail(`verification after renewal failed: ${problems.join('; ')}`);
}
