// Watches the kubelet, bounded, until it is really up (kube/kubelet-health.ts): healthz ok and no
// restart for longer than its restart delay. Fails at once on a restart seen while watching.
import type { ModuleContext } from '../../playbook/types.js';
import { judgeKubelet, parseKubeletSample, type KubeletSample } from '../../kube/kubelet-health.js';
import { KUBELET_HEALTH_SCRIPT } from '../../kube/scripts/kubelet.js';
import { sleep } from '../../playbook/sleep.js';

async function sample(ctx: ModuleContext): Promise<KubeletSample> {
  const res = await ctx.remote.sh(KUBELET_HEALTH_SCRIPT, [], { step: 'kubelet health', timeoutMs: 30_000 });
  return parseKubeletSample(res.stdout);
}

/** Resolves with how the kubelet was found healthy; throws (ctx.fail) when it is crash-looping or
 *  not healthy within `timeoutMs`. `why` ends the failure message (what is refused). */
export async function requireKubeletUp(
  ctx: ModuleContext,
  timeoutMs: number,
  why: string,
  intervalMs = 1000,
): Promise<string> {
  const started = Date.now();
  const first = await sample(ctx);
  let current = first;
  for (;;) {
    const verdict = judgeKubelet(first, current, (Date.now() - started) / 1000);
    if (verdict.kind === 'healthy') return verdict.detail;
    if (verdict.kind === 'crash-looping') throw ctx.fail(`kubelet is crash-looping: ${verdict.detail}; ${why}`);
    if (Date.now() - started > timeoutMs || ctx.signal.aborted)
      throw ctx.fail(
        `kubelet not healthy after ${Math.round((Date.now() - started) / 1000)}s: ${verdict.detail}; ${why}`,
      );
    await sleep(intervalMs, ctx.signal);
    current = await sample(ctx);
  }
}
