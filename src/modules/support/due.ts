// Masters with nothing due are skipped by every mutating step (idempotence, --renew-within).
import type { ModuleContext } from '../../playbook/types.js';
import type { TaskResult } from '../../playbook/results.js';
import { stateKeys } from './state.js';

export function skipUnlessDue(ctx: ModuleContext): TaskResult | undefined {
  const due = ctx.clusterState.get(stateKeys.due(ctx.host.name));
  if (due === false) return { status: 'skipped', message: 'not due for renewal' };
  return undefined;
}
