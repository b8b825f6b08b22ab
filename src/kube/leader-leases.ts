// controller-manager and scheduler health that /healthz cannot give (it says ok on every non-leader,
// whatever its credentials): the leader's Lease in kube-system renewed after this master's component
// restarted, so some instance holds working credentials and leads; and the restarted component not
// logging authentication errors (restart-proof.ts reads them). Pure: judges `kubectl get lease -o json`.
import type { ComponentRestart } from './restart-proof.js';

export const LEADER_LEASES = ['kube-controller-manager', 'kube-scheduler'] as const;

export interface LeaseRenewal {
  name: string;
  holder?: string;
  renewTime?: string;
}

/** `kubectl get lease A B --ignore-not-found -o json`: a List, or one object, or nothing. */
export function parseLeases(json: string): LeaseRenewal[] | undefined {
  if (!json.trim()) return [];
  try {
    const doc = JSON.parse(json) as {
      items?: unknown[];
      metadata?: { name?: string };
      spec?: { holderIdentity?: string; renewTime?: string };
    };
    const items = (Array.isArray(doc.items) ? doc.items : [doc]) as {
      metadata?: { name?: string };
      spec?: { holderIdentity?: string; renewTime?: string };
    }[];
    return items
      .filter((i) => i.metadata?.name)
      .map((i) => ({ name: i.metadata!.name!, holder: i.spec?.holderIdentity, renewTime: i.spec?.renewTime }));
  } catch {
    return undefined;
  }
}

/** Problems: a leader lease not renewed since this master's component started, and a restarted
 *  component logging authentication errors. A Lease that does not exist (clusters whose leader
 *  election uses Endpoints, before 1.17) is not judged. */
export function judgeLeaders(leases: LeaseRenewal[], restarts: readonly ComponentRestart[]): string[] {
  const problems: string[] = [];
  for (const name of LEADER_LEASES) {
    const r = restarts.find((x) => x.component === name);
    if (r?.authErrors?.length)
      problems.push(`${name} logs authentication errors: ${r.authErrors[r.authErrors.length - 1]}`);
    const lease = leases.find((l) => l.name === name);
    const started = r?.containerStartedAt;
    if (!lease || !started) continue;
    const renewed = lease.renewTime ? Date.parse(lease.renewTime) : NaN;
    // Whole seconds: the node's clock and the leader's may differ by a little.
    if (!(Math.floor(renewed / 1000) >= Math.floor(Date.parse(started) / 1000)))
      problems.push(
        `lease kube-system/${name} not renewed since ${name} started here (${started}; last renewal ${lease.renewTime ?? 'never'} by ${lease.holder ?? 'nobody'})`,
      );
  }
  return problems;
}
