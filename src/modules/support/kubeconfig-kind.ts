// Whether a user's kubeconfig may be replaced by the renewed admin.conf: only when it is missing or a
// copy of the old admin.conf (same client certificate). TKEStack writes /root/.kube/config as a
// token kubeconfig that never expires (EnsureKubeconfig, tkestack/tke
// pkg/platform/provider/baremetal/cluster/create.go); copying admin.conf over it, as TKEStack's
// renewal guide says, would swap it for a one-year certificate. Any other kubeconfig is someone's
// own choice: left alone too.
import type { ModuleContext } from '../../playbook/types.js';
import { KUBECONFIG_KIND_SCRIPT } from '../../kube/scripts/backup.js';
import { parseCertificate } from '../../kube/x509.js';

export type KubeconfigVerdict = { copy: true; why: string } | { copy: false; why: string };

export async function kubeconfigVerdict(
  ctx: ModuleContext,
  path: string,
  oldAdminSerial: string | undefined,
): Promise<KubeconfigVerdict> {
  const out = (await ctx.remote.shOk(KUBECONFIG_KIND_SCRIPT, [path], { step: 'kubeconfig kind' })).stdout.trim();
  if (out === 'missing') return { copy: true, why: 'missing' };
  if (out === 'token') return { copy: false, why: "a token kubeconfig (TKEStack's: it does not expire)" };
  const data = /^cert (\S+)$/.exec(out)?.[1];
  if (!data) return { copy: false, why: 'not a copy of admin.conf (no client certificate)' };
  let serial: string | undefined;
  try {
    serial = parseCertificate(Buffer.from(data, 'base64').toString('utf8')).serial;
  } catch {
    return { copy: false, why: 'not a copy of admin.conf (its client certificate is unreadable)' };
  }
  return serial === oldAdminSerial
    ? { copy: true, why: "a copy of the old admin.conf's" }
    : { copy: false, why: 'not a copy of admin.conf (another client certificate)' };
}
