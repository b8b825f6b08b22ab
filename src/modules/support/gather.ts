// Reads a master's facts in one round trip (NODE_FACTS_SCRIPT) and parses them. A quick `check`
// reads no private key (no key match, no `openssl` on the node).
import type { ModuleContext } from '../../playbook/types.js';
import { NODE_FACTS_SCRIPT } from '../../kube/node-scripts.js';
import { factsScriptItems, parseNodeFacts, type NodeFacts } from '../../kube/node-facts.js';
import { BACKUP_ROOT, KUBERNETES_DIR } from '../../kube/paths.js';

/** `step`: a finer name than the module's (e.g. "kubeadm_renew verify"). */
export async function gatherNodeFacts(ctx: ModuleContext, step?: string): Promise<NodeFacts> {
  const sentAt = Date.now();
  const res = await ctx.remote.shOk(
    NODE_FACTS_SCRIPT,
    [
      KUBERNETES_DIR,
      ctx.cluster.kubeadm.installDir,
      BACKUP_ROOT,
      ...factsScriptItems({ keys: ctx.options.checkMode !== 'quick' }),
    ],
    { step, timeoutMs: 60_000 },
  );
  // The node's clock is compared with ours at the middle of the round trip.
  const midpoint = (sentAt + Date.now()) / 2;
  return parseNodeFacts(res.stdout, midpoint);
}
