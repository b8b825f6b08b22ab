// kubeadm_renew: runs `kubeadm (alpha) certs renew all --config <file>` with the kubeadm of the
// cluster's version and the cluster's own configuration (support/kubeadm-config.ts), checks its output
// line by line, then re-reads every certificate to prove it was renewed.
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { ModuleContext, MutatingModule } from '../playbook/types.js';
import { renewableCerts } from '../kube/cert-catalog.js';
import { renewAllArgs } from '../kube/kubeadm-commands.js';
import type { NodeFacts } from '../kube/node-facts.js';
import { parseRenewOutput } from '../kube/renew-output.js';
import { KUBEADM_WITH_CONFIG_SCRIPT } from '../kube/scripts/kubeadm.js';
import type { KubeadmConfigSource } from '../kube/kubeadm-config.js';
import { parseVersion, type KubeVersion } from '../kube/version.js';
import { beforeAfter } from '../kube/cert-lines.js';
import { gatherNodeFacts } from './support/gather.js';
import { chooseKubeadm, type KubeadmChoice } from './support/kubeadm-choice.js';
import { renewConfigFor } from './support/kubeadm-config.js';
import { getFacts, renewalPath } from './support/state.js';

interface RenewPlan {
  version: KubeVersion;
  /** In a dry run the kubeadm may still be missing: kubeadm_provision would install it first. */
  choice: KubeadmChoice;
  /** The --config file's content and where its ClusterConfiguration came from. */
  config: { file: string; source: KubeadmConfigSource };
}

/** How the command shows in messages and the report: the configuration file is temporary. */
const shown = (kubeadm: string, version: KubeVersion): string[] => [
  kubeadm,
  ...renewAllArgs(version),
  '--config',
  '<file>',
];

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
    const config = renewConfigFor(ctx, version, facts);
    const newEnd = new Date(Date.now() + 365 * 86400_000).toISOString();
    const present = renewableCerts(version, ctx.cluster.etcd)
      .map((c) => facts.certs[c.name])
      .filter((c) => c?.present && c.notAfter);
    const soonest = [...present].sort((a, b) => (a?.notAfter ?? '').localeCompare(b?.notAfter ?? ''))[0];
    const certificates = present.map((c) => ({ name: c?.name, notAfterBefore: c?.notAfter, notAfterExpected: newEnd }));
    return {
      kind: 'change',
      message: `would run ${shown(choice.kind === 'use' ? choice.path : 'kubeadm', version).join(' ')} (${choice.kind === 'use' ? 'the matching kubeadm' : 'a provisioned kubeadm'}, configuration from the ${config.source}): ${present.length} certificates, soonest ${soonest?.name ?? '?'} ends ${soonest?.notAfter?.slice(0, 10) ?? '?'}, all would end about ${newEnd.slice(0, 10)}`,
      plan: { version, choice, config },
      data: { certificates },
    };
  },
  async apply(ctx, _args, { version, choice, config }) {
    if (choice.kind !== 'use') throw ctx.fail(choice.reason, 'run with kubeadm provisioning allowed in the inventory');
    const before = getFacts(ctx);
    ctx.facts.factsBefore = before;

    const command = shown(choice.path, version);
    const res = await ctx.remote.sh(KUBEADM_WITH_CONFIG_SCRIPT, [choice.path, ...renewAllArgs(version)], {
      stdin: config.file,
      timeoutMs: ctx.options.kubeadmTimeoutMs,
    });
    if (res.exitCode !== 0) {
      throw ctx.fail(
        `${command.join(' ')} (configuration from the ${config.source}) exited ${res.exitCode ?? res.signal}: ${tail(res.stderr || res.stdout)}`,
      );
    }
    const { warnings, renewed } = judgeOutput(ctx, version, res.stdout, res.stderr, fallbackCause(ctx, config.source));
    const after = await gatherNodeFacts(ctx, 'kubeadm_renew verify');
    verifyRenewed(ctx, renewed, before, after);
    ctx.facts.node = after;
    ctx.clusterFacts.renewedAny = true;
    const certificates = beforeAfter(before, after);
    ctx.publish('certificates', certificates);
    ctx.publish('kubeadm', `${choice.path} (${choice.version})`);
    ctx.publish('kubeadmCommand', command);
    ctx.publish('kubeadmConfigSource', config.source);
    return {
      status: 'changed',
      message: `renewed ${renewableCerts(version, ctx.cluster.etcd).filter((c) => after.certs[c.name]?.present).length} certificates with \`${command.join(' ')}\` (kubeadm ${choice.version}, configuration from the ${config.source})${warnings.length ? `; ${warnings.join('; ')}` : ''}`,
      data: { certificates, warnings, command, configSource: config.source },
    };
  },
};

/** Turns kubeadm's output into failures (thrown) and warnings (returned). */
function judgeOutput(
  ctx: ModuleContext,
  version: KubeVersion,
  stdout: string,
  stderr: string,
  fallback: string,
): { warnings: string[]; renewed: string[] } {
  const out = parseRenewOutput(stdout, stderr);
  const problems: string[] = [];
  const warnings: string[] = [];
  if (out.unexpected.length) problems.push(`unexpected kubeadm output: ${out.unexpected.slice(0, 3).join(' | ')}`);
  // With --config kubeadm reads only the file: a fallback would mean it ignored the file.
  if (out.fellBackToDefaults) problems.push(fallback);
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

/**
 * kubeadm printed its fall-back line although it was given --config (it then reads only the file):
 * say what the tool itself observed about the configuration, so the operator looks at the right
 * thing, never a guess such as version skew.
 */
function fallbackCause(ctx: ModuleContext, source: KubeadmConfigSource): string {
  const observed =
    renewalPath(ctx) === 'expired-recovery'
      ? `certificates already expired, so no API server could serve kube-system/kubeadm-config and the tool derived the configuration from the ${source}`
      : `the tool read kube-system/kubeadm-config itself (${ctx.clusterFacts.kubeadmConfig?.summary.apiVersion ?? 'unknown API version'}) and gave it with --config`;
  return `kubeadm printed "Falling back to default configuration" although it was given --config (${observed}): this kubeadm did not read the file it was given; nothing it renewed is trusted`;
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
