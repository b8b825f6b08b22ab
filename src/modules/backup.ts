// backup: a new, unique, timestamped backup of /etc/kubernetes, the users' kubeconfigs and an etcd
// snapshot, with checksums, before anything changes on this master.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { ModuleContext, MutatingModule } from '../playbook/types.js';
import { BACKUP_SCRIPT, ETCD_START_WAIT_SECONDS, ETCD_STOP_WAIT_SECONDS } from '../kube/scripts/backup.js';
import { describeEtcdBackup, parseEtcdBackup } from '../kube/etcd-backup.js';
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
  async decide(ctx) {
    const etcd =
      ctx.cluster.etcd !== 'stacked'
        ? 'no etcd (external)'
        : renewalPath(ctx) === 'expired-recovery'
          ? "a copy of etcd's data taken with the member stopped (certificates expired: no snapshot possible)"
          : 'an etcd snapshot';
    return {
      kind: 'change',
      message: `would back up ${KUBERNETES_DIR}, kubeconfigs and ${etcd} into ${BACKUP_ROOT}/<timestamp>`,
      plan: undefined,
    };
  },
  async apply(ctx) {
    const name = backupName(ctx);
    const targets = await kubeconfigTargets(ctx);
    // Expired certificates: etcd rejects every client, so no snapshot can be taken; the member
    // (which serves nobody then) is stopped for a consistent copy of its data directory.
    const etcdMode =
      ctx.cluster.etcd !== 'stacked' ? 'none' : renewalPath(ctx) === 'expired-recovery' ? 'offline' : 'snapshot';
    const container = etcdMode === 'snapshot' ? await etcdContainer(ctx) : { cli: runtimeCli(ctx), id: '-' };
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
      { timeoutMs: 300_000 + (ETCD_STOP_WAIT_SECONDS + ETCD_START_WAIT_SECONDS) * 1000 },
    );
    if (res.exitCode !== 0) throw ctx.fail(`backup failed: ${tail(res.stderr || res.stdout)}`, failureHint(res.stderr));
    const dir = /^dir=(.+)$/m.exec(res.stdout)?.[1];
    if (!dir) throw ctx.fail('backup script gave no directory');
    const etcd = parseEtcdBackup(res.stdout);
    ctx.facts.backupDir = dir;
    ctx.publish('backupDir', dir);
    ctx.publish('etcdBackup', etcd);
    return {
      status: 'changed',
      message: `backup in ${dir} (etcd: ${describeEtcdBackup(etcd)})`,
      data: { backupDir: dir, etcd: etcd.kind, etcdVia: etcd.via, etcdTried: etcd.tried, etcdBackup: etcd },
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

/** The stopped-member copy puts the etcd manifest back on failure; say so when it could not. */
function failureHint(stderr: string): string {
  if (/moved out by this backup stays at|do it by hand/.test(stderr))
    return 'the etcd static pod manifest is NOT back in /etc/kubernetes/manifests: put it back as the message says';
  if (/does not run again/.test(stderr)) return "etcd's manifest is back but etcd does not run: see the kubelet's log";
  return 'nothing was changed on this master';
}

/** The runtime CLI the stopped-member copy watches the etcd container with (`-`: unknown). */
function runtimeCli(ctx: ModuleContext): string {
  const runtime = ctx.facts.node?.runtime;
  return runtime ? RUNTIMES[runtime].cli : '-';
}

function backupName(ctx: ModuleContext): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${ctx.host.name}-${randomBytes(3).toString('hex')}`;
}
