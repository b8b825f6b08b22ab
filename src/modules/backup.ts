// backup: a new, unique, timestamped backup of /etc/kubernetes, the users' kubeconfigs and an etcd
// snapshot, with checksums, before anything changes on this master.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { ModuleContext, MutatingModule } from '../playbook/types.js';
import { BACKUP_SCRIPT } from '../kube/scripts/backup.js';
import { BACKUP_ROOT, ETCD_DATA_DIR, KUBERNETES_DIR } from '../kube/paths.js';
import { parseIds, RUNTIMES } from '../kube/runtime.js';
import { renewalPath } from './support/state.js';
import { kubeconfigTargets } from './support/users.js';

export const backupModule: MutatingModule<Record<string, never>, undefined> = {
  name: 'backup',
  description:
    "Backs up /etc/kubernetes, the users' kubeconfigs and etcd (snapshot) into a new timestamped directory on the master.",
  args: z.object({}).strict(),
  mutates: true,
  onlyWhenDue: () => true,
  async decide() {
    return {
      kind: 'change',
      message: `would back up ${KUBERNETES_DIR}, kubeconfigs and an etcd snapshot into ${BACKUP_ROOT}/<timestamp>`,
      plan: undefined,
    };
  },
  async apply(ctx) {
    const name = backupName(ctx);
    const targets = await kubeconfigTargets(ctx);
    // Expired certificates: etcd rejects every client, so no snapshot can be taken; its data is
    // copied instead (with no quorum, nothing is being written).
    const etcdMode =
      ctx.cluster.etcd !== 'stacked' ? 'none' : renewalPath(ctx) === 'expired-recovery' ? 'copy' : 'snapshot';
    const container = etcdMode === 'snapshot' ? await etcdContainer(ctx) : { cli: '-', id: '-' };
    const res = await ctx.remote.sh(
      BACKUP_SCRIPT,
      [
        KUBERNETES_DIR,
        BACKUP_ROOT,
        name,
        ETCD_DATA_DIR,
        etcdMode,
        container.cli,
        container.id,
        ...targets.map((t) => t.path),
      ],
      { timeoutMs: 300_000 },
    );
    if (res.exitCode !== 0)
      throw ctx.fail(`backup failed: ${tail(res.stderr || res.stdout)}`, 'nothing was changed on this master');
    const dir = /^dir=(.+)$/m.exec(res.stdout)?.[1];
    const etcd = /^etcd=(.+)$/m.exec(res.stdout)?.[1];
    const etcdVia = /^etcd-via=(.+)$/m.exec(res.stdout)?.[1];
    const etcdTried = [...res.stdout.matchAll(/^etcd-tried=(.+)$/gm)].map((m) => m[1]!);
    if (!dir) throw ctx.fail('backup script gave no directory');
    ctx.facts.backupDir = dir;
    ctx.publish('backupDir', dir);
    ctx.publish('etcdBackup', { kind: etcd, via: etcdVia, tried: etcdTried });
    const warning =
      etcd !== 'copy'
        ? ''
        : etcdMode === 'copy'
          ? '; certificates expired: etcd data copied live (may be inconsistent), not snapshotted'
          : '; no way to take a snapshot (no etcdctl, no etcd container, no curl): etcd data copied live (may be inconsistent), not snapshotted';
    const how = etcd === 'snapshot' && etcdVia ? `snapshot via ${etcdVia}, SHA-256 trailer verified` : etcd;
    const before = etcd === 'snapshot' && etcdTried.length > 0 ? `; first tried ${etcdTried.join('; ')}` : '';
    return {
      status: 'changed',
      message: `backup in ${dir} (etcd: ${how})${warning}${before}`,
      data: { backupDir: dir, etcd, etcdVia, etcdTried },
    };
  },
};

/**
 * The running etcd container, for the snapshot through its own etcdctl (TKEStack masters have none
 * on the host): `-` when the runtime is unknown or lists none (the script then tries the others).
 */
async function etcdContainer(ctx: ModuleContext): Promise<{ cli: string; id: string }> {
  const runtime = ctx.facts.node?.runtime;
  if (!runtime) return { cli: '-', id: '-' };
  const rt = RUNTIMES[runtime];
  const res = await ctx.remote.exec(rt.listIds('etcd'));
  const id = res.exitCode === 0 ? parseIds(res.stdout)?.[0] : undefined;
  return { cli: rt.cli, id: id ?? '-' };
}

function backupName(ctx: ModuleContext): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${ctx.host.name}-${randomBytes(3).toString('hex')}`;
}
