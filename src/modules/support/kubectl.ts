// kubectl on a master, with the cluster's admin.conf.
import type { ModuleContext } from '../../playbook/types.js';
import { KUBERNETES_DIR } from '../../kube/paths.js';
import { tail } from './remote.js';
import { stepError } from './state.js';

export const ADMIN_CONF = `${KUBERNETES_DIR}/admin.conf`;
/** kubectl caches discovery under ~/.kube/cache; keep ours out of root's home (dry runs write nothing there). */
const CACHE_DIR = '/tmp/kube-cert-renew-kubectl-cache';
const base = ['kubectl', '--kubeconfig', ADMIN_CONF, '--cache-dir', CACHE_DIR];

export async function kubectlJson<T>(ctx: ModuleContext, step: string, args: string[]): Promise<T> {
  const res = await ctx.conn.exec([...base, ...args, '-o', 'json'], { become: true, step, timeoutMs: 60_000 });
  if (res.exitCode !== 0) throw stepError(ctx, step, `kubectl ${args.join(' ')} failed: ${tail(res.stderr || res.stdout)}`);
  try {
    return JSON.parse(res.stdout) as T;
  } catch {
    throw stepError(ctx, step, `kubectl ${args.join(' ')} returned something that is not JSON`);
  }
}

export async function kubectl(ctx: ModuleContext, step: string, args: string[]): Promise<string> {
  const res = await ctx.conn.exec([...base, ...args], { become: true, step, timeoutMs: 60_000 });
  if (res.exitCode !== 0) throw stepError(ctx, step, `kubectl ${args.join(' ')} failed: ${tail(res.stderr || res.stdout)}`);
  return res.stdout;
}
