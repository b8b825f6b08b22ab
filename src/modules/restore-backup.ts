// restore_backup: on failure, puts back this master's certificates, keys and kubeconfigs from the
// backup this run took (never etcd data: that would lose the writes made since), then proves the
// certificates on disk are again the ones from before the run.
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { MutatingModule } from '../playbook/types.js';
import { RESTORE_SCRIPT } from '../kube/scripts/backup.js';
import { beforeAfter } from '../kube/cert-lines.js';
import { gatherNodeFacts } from './support/gather.js';

export const restoreBackupModule: MutatingModule<Record<string, never>, string> = {
  name: 'restore_backup',
  description: "Restores the master's /etc/kubernetes and kubeconfigs from this run's backup (never etcd data).",
  args: z.object({}).strict(),
  mutates: true,
  async decide(ctx) {
    const dir = ctx.facts.backupDir;
    if (!dir) return { kind: 'skip', message: 'no backup was taken in this run, so nothing was changed' };
    return { kind: 'change', message: `would restore /etc/kubernetes and kubeconfigs from ${dir}`, plan: dir };
  },
  async apply(ctx, _args, dir) {
    const res = await ctx.remote.sh(RESTORE_SCRIPT, [dir], { timeoutMs: 120_000 });
    if (res.exitCode !== 0)
      throw ctx.fail(
        `restore from ${dir} failed: ${tail(res.stderr || res.stdout)}`,
        `restore by hand: docs/runbook.md`,
      );
    ctx.publish('rolledBackFrom', dir);
    // The report's certificates then say what is on disk now: the ones from before the run.
    const before = ctx.facts.factsBefore;
    const restored = await gatherNodeFacts(ctx, 'restore_backup verify');
    ctx.facts.node = restored;
    if (before) {
      const differ = Object.keys(before.certs).filter((n) => before.certs[n]?.serial !== restored.certs[n]?.serial);
      if (differ.length)
        throw ctx.fail(
          `restored from ${dir}, but ${differ.join(', ')} differ from the certificates before the run`,
          'restore by hand: docs/runbook.md',
        );
      ctx.publish('certificates', beforeAfter(before, restored));
    }
    return {
      status: 'changed',
      message: `restored /etc/kubernetes and kubeconfigs from ${dir}: certificates are again those from before the run`,
      data: { backupDir: dir },
    };
  },
};
