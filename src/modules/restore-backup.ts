// restore_backup: on failure, puts back this master's certificates, keys and kubeconfigs from the
// backup this run took (never etcd data: that would lose the writes made since).
import { z } from 'zod';
import type { ModuleDefinition } from '../playbook/types.js';
import { RESTORE_SCRIPT } from '../kube/scripts/backup.js';
import { runScript, tail } from './support/remote.js';
import { stepError } from './support/state.js';

export const restoreBackupModule: ModuleDefinition<Record<string, never>> = {
  name: 'restore_backup',
  description: "Restores the master's /etc/kubernetes and kubeconfigs from this run's backup (never etcd data).",
  args: z.object({}).strict(),
  mutates: true,
  async plan() {
    return { status: 'skipped', message: "would restore /etc/kubernetes and kubeconfigs from this run's backup" };
  },
  async run(ctx) {
    const dir = ctx.facts.backupDir as string | undefined;
    if (!dir) return { status: 'skipped', message: 'no backup was taken in this run, so nothing was changed' };
    const res = await runScript(ctx.conn, RESTORE_SCRIPT, [dir], { step: 'restore_backup', timeoutMs: 120_000 });
    if (res.exitCode !== 0) throw stepError(ctx, 'restore_backup', `restore from ${dir} failed: ${tail(res.stderr || res.stdout)}`, `restore by hand: docs/runbook.md`);
    ctx.publish('rolledBackFrom', dir);
    return { status: 'changed', message: `restored /etc/kubernetes and kubeconfigs from ${dir}`, data: { backupDir: dir } };
  },
};
