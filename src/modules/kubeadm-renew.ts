// kubeadm_renew: runs `kubeadm (alpha) certs renew all` with the kubeadm of the cluster's version,
// checks its output line by line, then re-reads every certificate to prove it was renewed.
import { z } from 'zod';
import type { ModuleContext, ModuleDefinition } from '../playbook/types.js';
import { renewableCerts } from '../kube/cert-catalog.js';
import { renewAllArgs } from '../kube/kubeadm-commands.js';
import type { NodeFacts } from '../kube/node-facts.js';
import { parseRenewOutput } from '../kube/renew-output.js';
import { atLeast, parseVersion, type KubeVersion } from '../kube/version.js';
import { beforeAfter } from '../kube/cert-lines.js';
import { skipUnlessDue } from './support/due.js';
import { gatherNodeFacts } from './support/gather.js';
import { chooseKubeadm } from './support/kubeadm-choice.js';
import { tail } from './support/remote.js';
import { getFacts, getPath, setFacts, stateKeys, stepError } from './support/state.js';

export const kubeadmRenewModule: ModuleDefinition<Record<string, never>> = {
  name: 'kubeadm_renew',
  description: 'Renews every kubeadm certificate of the master with the matching kubeadm and proves each was renewed.',
  args: z.object({}).strict(),
  mutates: true,
  async plan(ctx) {
    const skip = skipUnlessDue(ctx);
    if (skip) return skip;
    const facts = getFacts(ctx);
    const version = parseVersion(facts.kubernetesVersion ?? '');
    const choice = chooseKubeadm(facts);
    const cmd = version ? `kubeadm ${renewAllArgs(version).join(' ')}` : 'kubeadm certs renew all';
    const newEnd = new Date(Date.now() + 365 * 86400_000).toISOString();
    const present = version ? renewableCerts(version, ctx.cluster.etcd).map((c) => facts.certs[c.name]).filter((c) => c?.present && c.notAfter) : [];
    const soonest = [...present].sort((a, b) => (a?.notAfter ?? '').localeCompare(b?.notAfter ?? ''))[0];
    const certificates = present.map((c) => ({ name: c?.name, notAfterBefore: c?.notAfter, notAfterExpected: newEnd }));
    return {
      status: 'skipped',
      message: `would run ${cmd} with ${choice.kind === 'use' ? choice.path : 'a provisioned kubeadm'}: ${present.length} certificates, soonest ${soonest?.name ?? '?'} ends ${soonest?.notAfter?.slice(0, 10) ?? '?'}, all would end about ${newEnd.slice(0, 10)}`,
      data: { certificates },
    };
  },
  async run(ctx) {
    const skip = skipUnlessDue(ctx);
    if (skip) return skip;
    const before = getFacts(ctx);
    const version = parseVersion(before.kubernetesVersion ?? '');
    if (!version) throw stepError(ctx, 'kubeadm_renew', 'unknown Kubernetes version');
    const choice = chooseKubeadm(before);
    if (choice.kind !== 'use') throw stepError(ctx, 'kubeadm_renew', choice.reason, 'run with kubeadm provisioning allowed in the inventory');
    ctx.clusterState.set(`factsBefore:${ctx.host.name}`, before);

    const res = await ctx.conn.exec([choice.path, ...renewAllArgs(version)], { become: true, step: 'kubeadm_renew', timeoutMs: 180_000 });
    if (res.exitCode !== 0) {
      throw stepError(ctx, 'kubeadm_renew', `${choice.path} ${renewAllArgs(version).join(' ')} exited ${res.exitCode ?? res.signal}: ${tail(res.stderr || res.stdout)}`);
    }
    const { warnings, renewed } = judgeOutput(ctx, version, res.stdout, res.stderr);
    const after = await gatherNodeFacts(ctx, 'kubeadm_renew verify');
    verifyRenewed(ctx, renewed, before, after);
    setFacts(ctx, after);
    ctx.clusterState.set(stateKeys.renewedAny, true);
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
function judgeOutput(ctx: ModuleContext, version: KubeVersion, stdout: string, stderr: string): { warnings: string[]; renewed: string[] } {
  const out = parseRenewOutput(stdout, stderr);
  const problems: string[] = [];
  const warnings: string[] = [];
  if (out.unexpected.length) problems.push(`unexpected kubeadm output: ${out.unexpected.slice(0, 3).join(' | ')}`);
  if (out.fellBackToDefaults) {
    // When the cluster is down (expired certificates) kubeadm cannot read its ConfigMap. The defaults
    // are then what kubeadm uses; preflight proved the PKI lives in the default place and etcd is local.
    if (getPath(ctx) === 'expired-recovery' && !atLeast(version, 1, 31)) warnings.push('kubeadm could not read the cluster configuration (cluster down) and used its defaults');
    else problems.push('kubeadm could not read the cluster configuration and fell back to its defaults (version skew?)');
  }
  for (const c of renewableCerts(version, ctx.cluster.etcd)) {
    const outcome = out.certs.get(c.name);
    if (outcome === 'renewed') continue;
    if (outcome === 'missing' && c.initNodeOnly) continue;
    if (outcome === 'external') warnings.push(`${c.name}: external CA, not renewed by kubeadm`);
    else if (outcome === 'missing') problems.push(`${c.name} is missing (MISSING! from kubeadm)`);
    else problems.push(`kubeadm did not report ${c.name}`);
  }
  if (problems.length) throw stepError(ctx, 'kubeadm_renew', problems.join('; '));
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
    else if (a.serial === b.serial || (a.notAfter ?? '') <= (b.notAfter ?? '')) problems.push(`${c.name} was not renewed (same serial or end date)`);
    else if (!a.keyMatches) problems.push(`${c.name} does not match its key after renewal`);
    else if (!a.chainsToCa) problems.push(`${c.name} is not signed by ${c.ca} after renewal`);
  }
  if (problems.length) throw stepError(ctx, 'kubeadm_renew', `verification after renewal failed: ${problems.join('; ')}`);
  ctx.clusterState.set(stateKeys.renewedAtSec(ctx.host.name), after.nodeNowSec);
}
