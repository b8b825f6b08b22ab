// kubectl on a master, with the cluster's admin.conf.
import type { ModuleContext } from '../../playbook/types.js';
import { KUBERNETES_DIR } from '../../kube/paths.js';
import { tail } from '../../playbook/remote.js';

export const ADMIN_CONF = `${KUBERNETES_DIR}/admin.conf`;
/** kubectl caches discovery under ~/.kube/cache; keep ours out of root's home (dry runs write nothing there). */
const CACHE_DIR = '/tmp/kube-cert-renew-kubectl-cache';
const base = ['kubectl', '--kubeconfig', ADMIN_CONF, '--cache-dir', CACHE_DIR];

/** The argv of kubectl with admin.conf, for a master other than ctx.host's. */
export const kubectlArgv = (args: readonly string[]): string[] => [...base, ...args];

export async function kubectlJson<T>(ctx: ModuleContext, args: string[]): Promise<T> {
  const stdout = await kubectl(ctx, [...args, '-o', 'json']);
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw ctx.fail(`kubectl ${args.join(' ')} returned something that is not JSON`);
  }
}

export async function kubectl(ctx: ModuleContext, args: string[]): Promise<string> {
  const res = await ctx.remote.exec([...base, ...args], { timeoutMs: 60_000 });
  if (res.exitCode !== 0) throw ctx.fail(`kubectl ${args.join(' ')} failed: ${tail(res.stderr || res.stdout)}`);
  return res.stdout;
}
