// The kubeconfig files the master's users read: root's, and the SSH user's when not root.
import type { ModuleContext } from '../../playbook/types.js';
import { USER_HOME_SCRIPT } from '../../kube/scripts/backup.js';
import { ROOT_KUBECONFIG } from '../../kube/paths.js';

export interface KubeconfigTarget {
  path: string;
  owner: string;
  group: string;
}

export async function kubeconfigTargets(ctx: ModuleContext): Promise<KubeconfigTarget[]> {
  const targets: KubeconfigTarget[] = [{ path: ROOT_KUBECONFIG, owner: 'root', group: 'root' }];
  const user = ctx.host.ssh.user;
  if (user !== 'root') {
    const out = (await ctx.remote.shOk(USER_HOME_SCRIPT, [user], { step: 'kubeconfig users' })).stdout.trim();
    const cut = out.lastIndexOf(' ');
    const home = out.slice(0, cut);
    const group = out.slice(cut + 1);
    if (home && home !== '/' && group) targets.push({ path: `${home}/.kube/config`, owner: user, group });
  }
  return targets;
}
