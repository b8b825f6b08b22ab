// prune_backups: after a master is renewed, keeps only the newest --keep-backups of this tool's
// own backups on it (each holds an etcd snapshot: a weekly job would otherwise fill /var/lib).
// Selection by name (support/retention.ts), re-checked by the node script before each removal.
import { z } from 'zod';
import { PRUNE_BACKUPS_SCRIPT } from '../kube/scripts/backup.js';
import { BACKUP_ROOT } from '../kube/paths.js';
import { tail } from '../playbook/remote.js';
import type { ModuleContext, MutatingModule } from '../playbook/types.js';
import { KEEP_BACKUPS_DEFAULT, parseBackupList, selectBackupsToRemove } from './support/retention.js';

const argsSchema = z.object({ keep: z.number().int().min(1).optional() }).strict();
type Args = z.output<typeof argsSchema>;

export const pruneBackupsModule: MutatingModule<Args, string[]> = {
  name: 'prune_backups',
  description: `Removes this tool's older backups of the master from ${BACKUP_ROOT}, keeping the newest --keep-backups (or args.keep); never anything else.`,
  args: argsSchema,
  mutates: true,
  onlyWhenDue: () => true,
  async decide(ctx, args) {
    const keep = keepOf(ctx, args);
    const listed = await ctx.remote.sh(PRUNE_BACKUPS_SCRIPT, [BACKUP_ROOT, 'list'], { timeoutMs: 60_000 });
    if (listed.exitCode !== 0) throw ctx.fail(`listing ${BACKUP_ROOT} failed: ${tail(listed.stderr || listed.stdout)}`);
    const current = typeof ctx.facts.backupDir === 'string' ? ctx.facts.backupDir.split('/').pop() : undefined;
    const names = selectBackupsToRemove(parseBackupList(listed.stdout), {
      host: ctx.host.name,
      keep,
      protect: current ? [current] : [],
      // A dry run made no backup: the one a real run would make takes one of the places kept.
      pendingDirs: ctx.options.dryRun && current === undefined ? 1 : 0,
    });
    if (names.length === 0)
      return { kind: 'ok', message: `at most ${keep} backup(s) of this tool kept; none to remove` };
    return {
      kind: 'change',
      message: `would remove ${names.length} older backup(s) of this tool, keeping the newest ${keep}: ${names.join(', ')}`,
      plan: names,
    };
  },
  async apply(ctx, args, names) {
    const res = await ctx.remote.sh(PRUNE_BACKUPS_SCRIPT, [BACKUP_ROOT, 'remove', ...names], { timeoutMs: 300_000 });
    if (res.exitCode !== 0) throw ctx.fail(`removing old backups failed: ${tail(res.stderr || res.stdout)}`);
    const removed = [...res.stdout.matchAll(/^removed (.+)$/gm)].map((m) => m[1]!);
    const kept = [...res.stdout.matchAll(/^kept (.+)$/gm)].map((m) => m[1]!);
    const note = kept.length > 0 ? `; left as they are: ${kept.join('; ')}` : '';
    return {
      status: removed.length > 0 ? 'changed' : 'ok',
      message: `removed ${removed.length} older backup(s) from ${BACKUP_ROOT}, keeping the newest ${keepOf(ctx, args)}${note}`,
      data: { removedBackups: removed },
    };
  },
};

function keepOf(ctx: ModuleContext, args: Args): number {
  return args.keep ?? ctx.options.keepBackups ?? KEEP_BACKUPS_DEFAULT;
}
