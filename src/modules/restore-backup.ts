// restore_backup: on failure, puts back this master's certificates, keys and kubeconfigs from the
// backup this run took (never etcd data: that would lose the writes made since), then proves the
// certificates on disk are again the ones from before the run.
import { z } from 'zod';
import type { ModuleDefinition } from '../playbook/types.js';
import type { NodeFacts } from '../kube/node-facts.js';
import { RESTORE_SCRIPT } from '../kube/scripts/backup.js';
import { beforeAfter } from '../kube/cert-lines.js';
import { gatherNodeFacts } from './support/gather.js';
import { runScript, tail } from './support/remote.js';
import { setFacts, stepError } from './support/state.js';

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
    // The report's certificates then say what is on disk now: the ones from before the run.
    const before = ctx.clusterState.get(`factsBefore:${ctx.host.name}`) as NodeFacts | undefined;
    const restored = await gatherNodeFacts(ctx, 'restore_backup verify');
    setFacts(ctx, restored);
    if (before) {
      const differ = Object.keys(before.certs).filter((n) => before.certs[n]?.serial !== restored.certs[n]?.serial);
      if (differ.length) throw stepError(ctx, 'restore_backup', `restored from ${dir}, but ${differ.join(', ')} differ from the certificates before the run`, 'restore by hand: docs/runbook.md');
      ctx.publish('certificates', beforeAfter(before, restored));
    }
    return { status: 'changed', message: `restored /etc/kubernetes and kubeconfigs from ${dir}: certificates are again those from before the run`, data: { backupDir: dir } };
  },
};
