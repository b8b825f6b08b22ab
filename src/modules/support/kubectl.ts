// kubectl on a master, with the cluster's admin.conf.
import type { ModuleContext } from '../../playbook/types.js';
import { KUBERNETES_DIR } from '../../kube/paths.js';
import { tail } from './remote.js';
import { stepError } from './state.js';

export const ADMIN_CONF = `${KUBERNETES_DIR}/admin.conf`;

export async function kubectlJson<T>(ctx: ModuleContext, step: string, args: string[]): Promise<T> {
  const res = await ctx.conn.exec(['kubectl', '--kubeconfig', ADMIN_CONF, ...args, '-o', 'json'], { become: true, step, timeoutMs: 60_000 });
  if (res.exitCode !== 0) throw stepError(ctx, step, `kubectl ${args.join(' ')} failed: ${tail(res.stderr || res.stdout)}`);
  try {
    return JSON.parse(res.stdout) as T;
  } catch {
    throw stepError(ctx, step, `kubectl ${args.join(' ')} returned something that is not JSON`);
  }
}

export async function kubectl(ctx: ModuleContext, step: string, args: string[]): Promise<string> {
  const res = await ctx.conn.exec(['kubectl', '--kubeconfig', ADMIN_CONF, ...args], { become: true, step, timeoutMs: 60_000 });
  if (res.exitCode !== 0) throw stepError(ctx, step, `kubectl ${args.join(' ')} failed: ${tail(res.stderr || res.stdout)}`);
  return res.stdout;
}
