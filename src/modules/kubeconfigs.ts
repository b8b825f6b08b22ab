// kubeconfigs: proves admin.conf, controller-manager.conf and scheduler.conf carry renewed client
// certificates (not `init phase kubeconfig all`, which on TKE clusters fails or changes nothing),
// then copies admin.conf to root's and the SSH user's ~/.kube/config. Never super-admin.conf.
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { MutatingModule } from '../playbook/types.js';
import { COPY_KUBECONFIG_SCRIPT } from '../kube/scripts/backup.js';
import { KUBERNETES_DIR } from '../kube/paths.js';
import { getFacts } from './support/state.js';
import { kubeconfigTargets, type KubeconfigTarget } from './support/users.js';

const COMPONENT_KUBECONFIGS = ['admin.conf', 'controller-manager.conf', 'scheduler.conf'];

export const kubeconfigsModule: MutatingModule<Record<string, never>, KubeconfigTarget[]> = {
  name: 'kubeconfigs',
  description:
    "Checks the control-plane kubeconfigs were renewed and copies admin.conf to root's and the SSH user's ~/.kube/config.",
  args: z.object({}).strict(),
  mutates: true,
  onlyWhenDue: () => true,
  async decide(ctx) {
    const targets = await kubeconfigTargets(ctx);
    return {
      kind: 'change',
      message: `would copy ${KUBERNETES_DIR}/admin.conf to ${targets.map((t) => t.path).join(', ')}`,
      plan: targets,
    };
  },
  async apply(ctx, _args, targets) {
    const before = ctx.facts.factsBefore;
    const after = getFacts(ctx);
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
    return {
      status: 'changed',
      message: `admin, controller-manager and scheduler kubeconfigs renewed; admin.conf copied to ${copied.join(', ')}`,
      data: { copied },
    };
  },
};
