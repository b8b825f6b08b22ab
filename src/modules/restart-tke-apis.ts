// restart_tke_apis: the TKE API pods (platform, business, registry, auth, ...) hold certificates in
// memory and the apiserver loopback issue (kubernetes#86552) affects them too: recreate their pods
// one deployment at a time, waiting for each to be running again.
import { z } from 'zod';
import type { ModuleContext, MutatingModule } from '../playbook/types.js';
import { sleep } from './support/health-probe.js';
import { kubectl, kubectlJson } from './support/kubectl.js';

interface PodList {
  items?: { metadata?: { name?: string; deletionTimestamp?: string }; status?: { phase?: string } }[];
}
interface DeploymentList {
  items?: {
    metadata?: { name?: string; labels?: Record<string, string> };
    spec?: { selector?: { matchLabels?: Record<string, string> } };
  }[];
}

const Args = z.object({ timeoutSeconds: z.number().positive().default(180) }).strict();
type Args = z.infer<typeof Args>;

export const restartTkeApisModule: MutatingModule<Args, string[]> = {
  name: 'restart_tke_apis',
  description: 'Recreates the pods of the TKE API deployments in namespace tke, one deployment at a time.',
  args: Args,
  mutates: true,
  async decide(ctx) {
    const deployments = await tkeApiDeployments(ctx);
    if (deployments.length === 0) return { kind: 'ok', message: 'no TKE API deployments found in namespace tke' };
    return { kind: 'change', message: `would recreate the pods of ${deployments.join(', ')}`, plan: deployments };
  },
  async apply(ctx, args, deployments) {
    const done: string[] = [];
    for (const name of deployments) {
      if (ctx.signal.aborted) break;
      await recreate(ctx, name, args.timeoutSeconds * 1000);
      done.push(name);
    }
    ctx.publishCluster('tkeApisRestarted', done);
    return { status: 'changed', message: `recreated the pods of ${done.join(', ')}`, data: { deployments: done } };
  },
};

async function tkeApiDeployments(ctx: ModuleContext): Promise<string[]> {
  const list = await kubectlJson<DeploymentList>(ctx, ['-n', 'tke', 'get', 'deployments']);
  return (list.items ?? [])
    .map((d) => d.metadata?.name ?? '')
    .filter((n) => /^tke-[a-z]+-api$/.test(n))
    .sort();
}

async function pods(ctx: ModuleContext, app: string): Promise<{ name: string; phase: string; deleting: boolean }[]> {
  const list = await kubectlJson<PodList>(ctx, ['-n', 'tke', 'get', 'pods', '-l', `app=${app}`]);
  return (list.items ?? []).map((p) => ({
    name: p.metadata?.name ?? '',
    phase: p.status?.phase ?? '',
    deleting: Boolean(p.metadata?.deletionTimestamp),
  }));
}

async function recreate(ctx: ModuleContext, app: string, timeoutMs: number): Promise<void> {
  const before = await pods(ctx, app);
  await kubectl(ctx, ['-n', 'tke', 'delete', 'pod', '-l', `app=${app}`, '--wait=false']);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(1000, ctx.signal);
    const now = (await pods(ctx, app)).filter((p) => !p.deleting);
    const fresh = now.filter((p) => !before.some((b) => b.name === p.name));
    if (
      fresh.length >= Math.max(1, before.length) &&
      fresh.every((p) => p.phase === 'Running') &&
      now.length === fresh.length
    )
      return;
  }
  throw ctx.fail(`pods of ${app} not running again within ${Math.round(timeoutMs / 1000)}s`);
}
