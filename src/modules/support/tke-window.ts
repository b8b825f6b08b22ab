// tke-platform-controller's own renewal: when machines[0]'s apiserver.crt has at most 30 days left
// (RenewCertsTimeThreshold, tkestack/tke pkg/platform/provider/baremetal/constants/constants.go),
// its housekeeping runs `kubeadm alpha certs renew all` on every master, every 5-10 minutes, with no
// health gate (EnsureRenewCerts, .../baremetal/cluster/update.go). A run in that window may race it.
import type { NodeFacts } from '../../kube/node-facts.js';

export const TKE_RENEW_WINDOW_SECONDS = 30 * 86_400;

/** The warning for a run inside the window, judged on the first master (TKEStack's machines[0]). */
export function tkeWindowWarning(firstMaster: string, facts: NodeFacts): string | undefined {
  const left = facts.certs.apiserver?.residualSeconds;
  if (left === undefined || left <= 0 || left > TKE_RENEW_WINDOW_SECONDS) return undefined;
  const days = Math.floor(left / 86_400);
  return `inside tke-platform-controller's 30-day window (${firstMaster} apiserver.crt: ${days}d left): on TKEStack it may renew these masters by itself during this run; ${firstMaster} is renewed first, after which its check stops (docs/tkestack.md)`;
}
