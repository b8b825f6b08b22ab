// kubeconfigs: proves admin.conf, controller-manager.conf and scheduler.conf carry renewed client
// certificates (not `init phase kubeconfig all`, which on TKE clusters fails or changes nothing),
// then copies admin.conf to root's and the SSH user's ~/.kube/config where that file is missing or a
// copy of the old admin.conf; a token kubeconfig (TKEStack's) or another user's own is left alone,
// and the report says which (support/kubeconfig-kind.ts). Never super-admin.conf.
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { MutatingModule } from '../playbook/types.js';
import { COPY_KUBECONFIG_SCRIPT } from '../kube/scripts/backup.js';
import { KUBERNETES_DIR } from '../kube/paths.js';
import { adminIdentity, kubeconfigVerdict, type KubeconfigVerdict } from './support/kubeconfig-kind.js';
import { getFacts } from './support/state.js';
import { kubeconfigTargets, type KubeconfigTarget } from './support/users.js';

const COMPONENT_KUBECONFIGS = ['admin.conf', 'controller-manager.conf', 'scheduler.conf'];

type Judged = KubeconfigTarget & { verdict: KubeconfigVerdict };

const leftAloneText = (left: Judged[]): string => left.map((t) => `${t.path} left alone: ${t.verdict.why}`).join('; ');

export const kubeconfigsModule: MutatingModule<Record<string, never>, Judged[]> = {
  name: 'kubeconfigs',
  description:
    "Checks the control-plane kubeconfigs were renewed and copies admin.conf to root's and the SSH user's ~/.kube/config where it is a copy of admin.conf, old or older (a token kubeconfig is left alone).",
  args: z.object({}).strict(),
  mutates: true,
  onlyWhenDue: () => true,
  async decide(ctx) {
    // Before the renewal, the node's admin.conf is the old one.
    const oldAdminSerial = (ctx.facts.factsBefore ?? getFacts(ctx)).certs['admin.conf']?.serial;
    const admin = await adminIdentity(ctx, `${KUBERNETES_DIR}/admin.conf`);
    const targets: Judged[] = [];
    for (const t of await kubeconfigTargets(ctx))
      targets.push({ ...t, verdict: await kubeconfigVerdict(ctx, t.path, oldAdminSerial, admin) });
    const copies = targets.filter((t) => t.verdict.copy).map((t) => t.path);
    const left = targets.filter((t) => !t.verdict.copy);
    const parts = [
      ...(copies.length ? [`would copy ${KUBERNETES_DIR}/admin.conf to ${copies.join(', ')}`] : []),
      ...(left.length ? [leftAloneText(left)] : []),
    ];
    return { kind: 'change', message: parts.join('; '), plan: targets };
  },
  async apply(ctx, _args, judged) {
    const before = ctx.facts.factsBefore;
    const after = getFacts(ctx);
    const targets = judged.filter((t) => t.verdict.copy);
    const left = judged.filter((t) => !t.verdict.copy);
    const stale = COMPONENT_KUBECONFIGS.filter(
      (n) => !after.certs[n]?.present || (before && after.certs[n]?.serial === before.certs[n]?.serial),
    );
    if (stale.length) throw ctx.fail(`not renewed: ${stale.join(', ')}`);
    const copied: string[] = [];
    for (const t of targets) {
      const res = await ctx.remote.sh(COPY_KUBECONFIG_SCRIPT, [
        `${KUBERNETES_DIR}/admin.conf`,
        t.path,
        t.owner,
        t.group,
      ]);
      const src = /^src=([0-9a-f]{64})$/m.exec(res.stdout)?.[1];
      const dst = /^dst=([0-9a-f]{64})$/m.exec(res.stdout)?.[1];
      if (res.exitCode !== 0 || !src || src !== dst)
        throw ctx.fail(`copying admin.conf to ${t.path} failed: ${tail(res.stderr || res.stdout)}`);
      copied.push(t.path);
    }
    ctx.publish('kubeconfigsCopied', copied);
    const said = [
      ...(copied.length ? [`admin.conf copied to ${copied.join(', ')}`] : []),
      ...(left.length ? [leftAloneText(left)] : []),
    ];
    return {
      status: 'changed',
      message: `admin, controller-manager and scheduler kubeconfigs renewed; ${said.join('; ')}`,
      data: { copied, leftAlone: left.map((t) => ({ path: t.path, why: t.verdict.why })) },
    };
  },
};
