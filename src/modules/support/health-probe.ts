// Probes the control plane from one master (HEALTH_SCRIPT), and judges the result.
import type { Remote } from '../../playbook/remote.js';
import { HEALTH_SCRIPT } from '../../kube/node-scripts.js';
import { memberUrls, parseHealth, type HealthReport } from '../../kube/health.js';
import { KUBERNETES_DIR } from '../../kube/paths.js';

/** One probe. When `etcdUrls` is empty the member list read in the same call is probed next. */
export async function probeHealth(remote: Remote, etcdUrls: string[]): Promise<HealthReport> {
  const first = parseHealth(
    (await remote.sh(HEALTH_SCRIPT, [KUBERNETES_DIR, ...etcdUrls], { step: 'health', timeoutMs: 60_000 })).stdout,
  );
  if (etcdUrls.length > 0 || !first.etcdMembers) return first;
  const urls = memberUrls(first.etcdMembers);
  return parseHealth(
    (await remote.sh(HEALTH_SCRIPT, [KUBERNETES_DIR, ...urls], { step: 'health', timeoutMs: 60_000 })).stdout,
  );
}

export interface HealthVerdict {
  healthy: boolean;
  problems: string[];
}

export interface HealthRequirements {
  /** etcd is stacked on the masters. */
  etcd: boolean;
  /** Every etcd member must be healthy (not only the local one). */
  allMembers: boolean;
  /** The certificates served on :6443 and :2379 must be the ones on disk. */
  servedMatchesDisk: boolean;
  /** controller-manager and scheduler must report healthy. */
  components: boolean;
}

export function judgeHealth(h: HealthReport, req: HealthRequirements): HealthVerdict {
  const problems: string[] = [];
  if (!h.apiserverReady.ok) problems.push(`kube-apiserver not ready (${h.apiserverReady.detail})`);
  if (req.servedMatchesDisk && !h.apiserverServesDisk)
    problems.push('kube-apiserver serves a certificate other than pki/apiserver.crt');
  if (req.components && !h.controllerManager.ok)
    problems.push(`kube-controller-manager unhealthy (${h.controllerManager.detail})`);
  if (req.components && !h.scheduler.ok) problems.push(`kube-scheduler unhealthy (${h.scheduler.detail})`);
  if (req.etcd) {
    if (!h.etcdMembers) problems.push('local etcd does not answer (member list unreadable)');
    else if (req.allMembers) {
      const bad = h.etcdMemberHealth.filter((m) => !m.healthy);
      // Named as etcd knows it (the member list read in the same probe), so the reason names the master.
      const nameOf = (url: string): string | undefined =>
        h.etcdMembers?.find((x) => x.clientUrls.includes(url))?.name || undefined;
      for (const m of bad)
        problems.push(`etcd member ${nameOf(m.url) ? `${nameOf(m.url)} (${m.url})` : m.url} unhealthy (${m.detail})`);
      if (h.etcdMemberHealth.length < h.etcdMembers.length) problems.push('not every etcd member was probed');
    }
    if (req.servedMatchesDisk && !h.etcdServesDisk)
      problems.push('etcd serves a certificate other than pki/etcd/server.crt');
  }
  return { healthy: problems.length === 0, problems };
}

// The one sleep (it removes its abort listener and returns at once on an aborted signal), here for
// the modules that import it with the health probe.
export { sleep } from '../../playbook/sleep.js';
