// Whether a user's kubeconfig may be replaced by the renewed admin.conf: only when it is missing or a
// copy of admin.conf (the old one's client certificate, or an older one: same user, same CA).
// TKEStack writes /root/.kube/config as a token kubeconfig that never expires (EnsureKubeconfig, tkestack/tke
// pkg/platform/provider/baremetal/cluster/create.go); copying admin.conf over it, as TKEStack's
// renewal guide says, would swap it for a one-year certificate. Any other kubeconfig is someone's
// own choice: left alone too.
import type { ModuleContext } from '../../playbook/types.js';
import { KUBECONFIG_KIND_SCRIPT } from '../../kube/scripts/backup.js';
import { parseCertificate } from '../../kube/x509.js';

export type KubeconfigVerdict = { copy: true; why: string } | { copy: false; why: string };

/** Who a kubeconfig's client certificate names, and who signed it. */
export interface ClientIdentity {
  serial: string;
  subject: string;
  issuer: string;
}

type Kind = { kind: 'missing' | 'token' | 'other' | 'unreadable' } | { kind: 'cert'; id: ClientIdentity };

async function kubeconfigKind(ctx: ModuleContext, path: string): Promise<Kind> {
  const out = (await ctx.remote.shOk(KUBECONFIG_KIND_SCRIPT, [path], { step: 'kubeconfig kind' })).stdout.trim();
  if (out === 'missing' || out === 'token') return { kind: out };
  const data = /^cert (\S+)$/.exec(out)?.[1];
  if (!data) return { kind: 'other' };
  try {
    const { serial, subject, issuer } = parseCertificate(Buffer.from(data, 'base64').toString('utf8'));
    return { kind: 'cert', id: { serial, subject, issuer } };
  } catch {
    return { kind: 'unreadable' };
  }
}

/** The client identity of the node's (renewed) admin.conf: a user kubeconfig naming the same user,
 *  signed by the same CA, is a copy of admin.conf, however old. */
export async function adminIdentity(ctx: ModuleContext, adminConf: string): Promise<ClientIdentity | undefined> {
  const k = await kubeconfigKind(ctx, adminConf);
  return k.kind === 'cert' ? k.id : undefined;
}

export async function kubeconfigVerdict(
  ctx: ModuleContext,
  path: string,
  oldAdminSerial: string | undefined,
  admin: ClientIdentity | undefined,
): Promise<KubeconfigVerdict> {
  const k = await kubeconfigKind(ctx, path);
  if (k.kind === 'missing') return { copy: true, why: 'missing' };
  if (k.kind === 'token') return { copy: false, why: "a token kubeconfig (TKEStack's: it does not expire)" };
  if (k.kind !== 'cert')
    return {
      copy: false,
      why:
        k.kind === 'other'
          ? 'not a copy of admin.conf (no client certificate)'
          : 'not a copy of admin.conf (its client certificate is unreadable)',
    };
  if (k.id.serial === oldAdminSerial) return { copy: true, why: "a copy of the old admin.conf's" };
  // An older copy: a run stopped after kubeadm renewed admin.conf but before this copy, so the
  // "old" admin.conf of the re-run is already a newer one than the copy.
  if (admin && k.id.subject === admin.subject && k.id.issuer === admin.issuer)
    return { copy: true, why: 'an older copy of admin.conf (same user, same CA)' };
  return { copy: false, why: 'not a copy of admin.conf (another client certificate)' };
}
