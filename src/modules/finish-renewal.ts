// finish_renewal: the last step on a master. Its backup step marked the renewal in progress on the
// node; once the master is renewed, restarted and healthy, the mark goes. A master that still has
// one when a later run starts was left mid-renewal (connection lost, process killed, rolled back),
// and that run renews it again whatever its certificates' expiry (see support/unfinished.ts).
import { z } from 'zod';
import type { MutatingModule } from '../playbook/types.js';
import { RENEWAL_FINISHED_SCRIPT } from '../kube/scripts/backup.js';
import { BACKUP_ROOT, RENEWAL_MARKER_NAME } from '../kube/paths.js';

export const finishRenewalModule: MutatingModule<Record<string, never>, undefined> = {
  name: 'finish_renewal',
  description: `Records on the master that its renewal finished (removes ${BACKUP_ROOT}/${RENEWAL_MARKER_NAME}, written by the backup).`,
  args: z.object({}).strict(),
  mutates: true,
  onlyWhenDue: () => true,
  async decide() {
    return { kind: 'change', message: `would remove ${BACKUP_ROOT}/${RENEWAL_MARKER_NAME}`, plan: undefined };
  },
  async apply(ctx) {
    await ctx.remote.shOk(RENEWAL_FINISHED_SCRIPT, [BACKUP_ROOT]);
    return { status: 'changed', message: 'renewal recorded as finished' };
  },
};
