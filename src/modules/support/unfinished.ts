// Signs that an earlier run stopped half-way on a master (connection lost, operator process killed):
// the in-progress marker its backup step left (the surest sign), its certificates renewed at
// different times, or a component still running on the certificate it loaded before its file
// changed (these two also catch a renewal done by hand or by an older version of this tool). Either makes the master due again, so a re-run finishes the work
// (backup, renew, kubeconfigs, restart, health gate) instead of skipping a master "not due".
import type { ModuleContext } from '../../playbook/types.js';
import { renewableCerts } from '../../kube/cert-catalog.js';
import type { NodeFacts } from '../../kube/node-facts.js';
import { parseSections } from '../../kube/node-scripts.js';
import { KUBERNETES_DIR } from '../../kube/paths.js';
import { RUNTIMES } from '../../kube/runtime.js';
import { COMPONENT_STARTS_SCRIPT } from '../../kube/scripts/components.js';
import { componentStartItems } from '../../kube/restart-proof.js';
import { mastersComponents } from './restarts.js';
import { parseVersion } from '../../kube/version.js';

/** kubeadm renews all certificates within seconds; more apart than this, a renewal was cut short. */
const SAME_RENEWAL_SECONDS = 3600;

/** Renewable certificates whose end dates are more than an hour apart: "a, b (ends X) vs c (ends Y)". */
export function splitRenewal(ctx: ModuleContext, facts: NodeFacts): string | undefined {
  const version = parseVersion(facts.kubernetesVersion ?? '');
  if (!version) return undefined;
  const certs = renewableCerts(version, ctx.cluster.etcd)
    .map((c) => facts.certs[c.name])
    .filter((c): c is NonNullable<typeof c> => Boolean(c?.present && c.notAfter));
  if (certs.length < 2) return undefined;
  const ends = certs.map((c) => Date.parse(c.notAfter!));
  const latest = Math.max(...ends);
  const older = certs.filter((c) => latest - Date.parse(c.notAfter!) > SAME_RENEWAL_SECONDS * 1000);
  if (older.length === 0) return undefined;
  return `certificates renewed at different times (${older.map((c) => c.name).join(', ')} older than the rest)`;
}

/** Components whose running container started before their certificate file last changed. */
export async function staleComponents(ctx: ModuleContext, facts: NodeFacts): Promise<string[]> {
  if (!facts.runtime) return [];
  const rt = RUNTIMES[facts.runtime];
  const components = mastersComponents(ctx.cluster.etcd === 'stacked');
  // `changed <component>` is the ctime of its first credential file (its certificate or kubeconfig).
  const res = await ctx.remote.sh(COMPONENT_STARTS_SCRIPT, [
    KUBERNETES_DIR,
    rt.cli,
    'brief',
    ...componentStartItems(components),
  ]);
  const s = parseSections(res.stdout);
  return components.filter((c) => {
    const changedSec = Number(s.get(`changed ${c}`) ?? '');
    const started = rt.parseStartedAt(s.get(`started ${c}`) ?? '');
    // No running container, or an unreadable time: nothing to say here (the health gates judge it).
    if (!started || !Number.isFinite(changedSec) || changedSec <= 0) return false;
    return Math.floor(started.getTime() / 1000) < changedSec;
  });
}

/** Why this master must be renewed again although no certificate is due, or undefined. */
export async function unfinishedRenewal(ctx: ModuleContext, facts: NodeFacts): Promise<string | undefined> {
  const reasons: string[] = [];
  if (facts.unfinishedRenewalBackup)
    reasons.push(`a run stopped before it finished this master (its backup: ${facts.unfinishedRenewalBackup})`);
  const split = splitRenewal(ctx, facts);
  if (split) reasons.push(split);
  const stale = await staleComponents(ctx, facts);
  if (stale.length)
    reasons.push(
      `${stale.join(', ')} started before ${stale.length > 1 ? 'their certificates' : 'its certificate'} last changed on disk`,
    );
  return reasons.length ? `an earlier renewal did not finish: ${reasons.join('; ')}` : undefined;
}
