// backup (before anything changes) and restore_backup (the rescue): what each runs, what it leaves
// for later steps, and every way it fails.
import { describe, expect, it } from 'vitest';
import { NODE_FACTS_SCRIPT } from '../../../src/kube/node-scripts.js';
import { BACKUP_SCRIPT, RESTORE_SCRIPT, USER_HOME_SCRIPT } from '../../../src/kube/scripts/backup.js';
import { backupModule } from '../../../src/modules/backup.js';
import { restoreBackupModule } from '../../../src/modules/restore-backup.js';
import { inventory } from '../playbook/helpers.js';
import { command, FakeNode, nodeFacts, runModule, script } from './harness.js';

const DIR = '/var/lib/kube-cert-renew/backups/20260101T000000Z-m1-abcdef';

/** BACKUP_SCRIPT's args after `sh -c <script> sh`: kubernetes dir, root, name, etcd dir, etcd mode,
 *  runtime CLI, etcd container id, kubeconfigs... */
const backupArgs = (node: FakeNode): string[] => node.calls.find((c) => script(BACKUP_SCRIPT)(c))!.slice(4);

describe('backup', () => {
  const ok = (): FakeNode => new FakeNode().on(script(BACKUP_SCRIPT), { stdout: `dir=${DIR}\netcd=snapshot\n` });

  it('takes a snapshot backup, and leaves its folder for restore_backup and the report', async () => {
    const node = ok();
    const run = await runModule(backupModule, {}, { nodes: { m1: node }, facts: { m1: { due: true } } });
    expect(run.record).toMatchObject({
      status: 'changed',
      message: `backup in ${DIR} (etcd: snapshot, SHA-256 trailer verified, consistent)`,
    });
    expect(run.facts.backupDir).toBe(DIR);
    expect(run.report.backupDir).toBe(DIR);
    const args = backupArgs(node);
    expect(args.slice(0, 2)).toEqual(['/etc/kubernetes', '/var/lib/kube-cert-renew/backups']);
    expect(args[2]).toMatch(/^\d{8}T\d{6}Z-m1-[0-9a-f]{6}$/);
    // No node facts here: no runtime, so no container for the script to exec into.
    expect(args.slice(4)).toEqual(['snapshot', '-', '-', '/root/.kube/config']);
  });

  it('names the running etcd container for a snapshot by its own etcdctl, and reports the way that took it', async () => {
    const id = 'e'.repeat(64);
    const node = new FakeNode().on(command('docker', 'ps'), { stdout: `${id}\n` }).on(script(BACKUP_SCRIPT), {
      stdout: `dir=${DIR}\netcd=snapshot\netcd-via=gateway /v3beta\netcd-tried=container-etcdctl: OCI runtime exec failed\n`,
    });
    const run = await runModule(backupModule, {}, { nodes: { m1: node }, facts: { m1: { node: nodeFacts() } } });
    expect(node.calls[0]).toEqual([
      'docker',
      'ps',
      '-q',
      '--no-trunc',
      '-f',
      'label=io.kubernetes.container.name=etcd',
    ]);
    expect(backupArgs(node).slice(4, 7)).toEqual(['snapshot', 'docker', id]);
    expect(run.record.message).toBe(
      `backup in ${DIR} (etcd: snapshot via gateway /v3beta, SHA-256 trailer verified, consistent; first tried container-etcdctl: OCI runtime exec failed)`,
    );
    expect(run.report.etcdBackup).toEqual({
      kind: 'snapshot',
      via: 'gateway /v3beta',
      tried: ['container-etcdctl: OCI runtime exec failed'],
    });
  });

  it('crictl lists no etcd container: none named, the script tries the other ways', async () => {
    const node = new FakeNode()
      .on(command('crictl', 'ps'), { stdout: '' })
      .on(script(BACKUP_SCRIPT), { stdout: `dir=${DIR}\netcd=snapshot\netcd-via=gateway /v3\n` });
    await runModule(
      backupModule,
      {},
      { nodes: { m1: node }, facts: { m1: { node: nodeFacts(200, { runtime: 'containerd' }) } } },
    );
    expect(node.calls[0]).toEqual(['crictl', 'ps', '-q', '--label', 'io.kubernetes.container.name=etcd']);
    expect(backupArgs(node).slice(4, 7)).toEqual(['snapshot', 'crictl', '-']);
  });

  it('on the recovery path stops the member for a consistent copy (with the runtime to watch it), and says so', async () => {
    const sum = 'a'.repeat(64);
    const node = new FakeNode().on(script(BACKUP_SCRIPT), {
      stdout: `dir=${DIR}\netcd=copy\netcd-via=stopped-member\netcd-consistent=yes\netcd-db-sha256=${sum}\n`,
    });
    const run = await runModule(
      backupModule,
      {},
      {
        nodes: { m1: node },
        clusterFacts: { path: 'expired-recovery' },
        facts: { m1: { node: nodeFacts(200, { runtime: 'containerd' }) } },
      },
    );
    // No snapshot is attempted: no container is looked up; crictl watches the member stop and start.
    expect(node.calls.some((c) => c[0] === 'crictl')).toBe(false);
    expect(backupArgs(node).slice(4, 7)).toEqual(['offline', 'crictl', '-']);
    expect(run.record.message).toBe(
      `backup in ${DIR} (etcd: data directory copied with the member stopped (certificates expired: no client can take a snapshot), bbolt database and SHA-256 of the copy verified, consistent; member running again)`,
    );
    expect(run.report.etcdBackup).toEqual({
      kind: 'copy',
      via: 'stopped-member',
      consistent: true,
      dbSha256: sum,
      tried: [],
    });
  });

  it('a member that could not be stopped is copied live, named inconsistent, with the reason', async () => {
    const node = new FakeNode().on(script(BACKUP_SCRIPT), {
      stdout: `dir=${DIR}\netcd=copy\netcd-via=live-copy\netcd-consistent=no\netcd-note=no /etc/kubernetes/manifests/etcd.yaml to stop the member with\n`,
    });
    const run = await runModule(backupModule, {}, { nodes: { m1: node }, clusterFacts: { path: 'expired-recovery' } });
    expect(backupArgs(node).slice(4, 7)).toEqual(['offline', '-', '-']);
    expect(run.record.message).toBe(
      `backup in ${DIR} (etcd: data directory copied live, MAY BE INCONSISTENT (no /etc/kubernetes/manifests/etcd.yaml to stop the member with))`,
    );
    expect(run.report.etcdBackup).toMatchObject({ kind: 'copy', via: 'live-copy', consistent: false });
  });

  it('the etcd manifest could not be put back: the hint says so, not "nothing was changed"', async () => {
    const node = new FakeNode().on(script(BACKUP_SCRIPT), {
      exitCode: 1,
      stderr:
        'etcd still runs 120s after its manifest was moved out (manifest put back)\n/etc/kubernetes/manifests/etcd.yaml exists again; the etcd manifest moved out by this backup stays at /etc/kubernetes/etcd.yaml.moved-out-by-kube-cert-renew\n',
    });
    const run = await runModule(backupModule, {}, { nodes: { m1: node }, clusterFacts: { path: 'expired-recovery' } });
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toMatch(/NOT back in \/etc\/kubernetes\/manifests/);
  });

  it('says so when no way to take a snapshot was available and the data was copied', async () => {
    const node = new FakeNode().on(script(BACKUP_SCRIPT), {
      stdout: `dir=${DIR}\netcd=copy\netcd-via=live-copy\netcd-consistent=no\netcd-note=no way to take a snapshot (no etcdctl, no etcd container, no curl)\n`,
    });
    const run = await runModule(backupModule, {}, { nodes: { m1: node } });
    expect(run.record.message).toMatch(
      /\(etcd: data directory copied live, MAY BE INCONSISTENT \(no way to take a snapshot \(no etcdctl, no etcd container, no curl\)\)\)$/,
    );
  });

  it("no etcd backup with external etcd; the SSH user's kubeconfig too when not root", async () => {
    const node = ok().on(script(USER_HOME_SCRIPT), { stdout: '/home/ops ops\n' });
    const base = inventory({ c: ['m1'] }).clusters[0]!;
    const m1 = { ...base.masters[0]!, ssh: { ...base.masters[0]!.ssh, user: 'ops' } };
    await runModule(
      backupModule,
      {},
      { masters: ['m1'], nodes: { m1: node }, cluster: { etcd: 'external', masters: [m1] } },
    );
    expect(backupArgs(node).slice(4)).toEqual(['none', '-', '-', '/root/.kube/config', '/home/ops/.kube/config']);
  });

  it('fails, with nothing changed, when the script fails or names no folder', async () => {
    const failing = new FakeNode().on(script(BACKUP_SCRIPT), {
      exitCode: 1,
      stderr: 'tar: write error: No space left on device\n',
    });
    const run = await runModule(backupModule, {}, { nodes: { m1: failing } });
    expect(run.record).toMatchObject({
      status: 'failed',
      message: 'backup failed: tar: write error: No space left on device (nothing was changed on this master)',
    });
    expect(run.facts.backupDir).toBeUndefined();
    const silent = new FakeNode().on(script(BACKUP_SCRIPT), { stdout: 'etcd=snapshot\n' });
    expect((await runModule(backupModule, {}, { nodes: { m1: silent } })).record).toMatchObject({
      status: 'failed',
      message: 'backup script gave no directory',
    });
  });

  it('is skipped on a master that is not due, and runs nothing in a dry run', async () => {
    const node = ok();
    const notDue = await runModule(backupModule, {}, { nodes: { m1: node }, facts: { m1: { due: false } } });
    expect(notDue.record).toMatchObject({ status: 'skipped', message: 'not due for renewal' });
    const dry = await runModule(
      backupModule,
      {},
      { nodes: { m1: node }, facts: { m1: { due: true } }, options: { dryRun: true } },
    );
    expect(dry.record).toMatchObject({
      status: 'would-change',
      message:
        'would back up /etc/kubernetes, kubeconfigs and an etcd snapshot into /var/lib/kube-cert-renew/backups/<timestamp>',
    });
    expect(node.calls).toEqual([]);
  });
});

describe('restore_backup', () => {
  it('skips when this run took no backup', async () => {
    const node = new FakeNode();
    const run = await runModule(restoreBackupModule, {}, { nodes: { m1: node } });
    expect(run.record).toMatchObject({
      status: 'skipped',
      message: 'no backup was taken in this run, so nothing was changed',
    });
    expect(node.calls).toEqual([]);
  });

  it('restores, re-reads the node, and reports where it came from', async () => {
    const node = new FakeNode()
      .on(script(RESTORE_SCRIPT), { stdout: '' })
      .on(script(NODE_FACTS_SCRIPT), { stdout: '' });
    const run = await runModule(
      restoreBackupModule,
      {},
      { nodes: { m1: node }, facts: { m1: { backupDir: DIR, node: nodeFacts() } } },
    );
    expect(run.record).toMatchObject({
      status: 'changed',
      message: `restored /etc/kubernetes and kubeconfigs from ${DIR}: certificates are again those from before the run`,
    });
    expect(node.calls[0]!.slice(4)).toEqual([DIR]);
    expect(run.report.rolledBackFrom).toBe(DIR);
    // The facts are what is on disk now (this fake node reads as empty).
    expect(run.facts.node?.certs.apiserver?.present).toBe(false);
  });

  it('fails, pointing at the runbook, when the restore script fails', async () => {
    const node = new FakeNode().on(script(RESTORE_SCRIPT), {
      exitCode: 2,
      stderr: 'sha256sum: WARNING: 1 computed checksum did NOT match\n',
    });
    const run = await runModule(restoreBackupModule, {}, { nodes: { m1: node }, facts: { m1: { backupDir: DIR } } });
    expect(run.record).toMatchObject({
      status: 'failed',
      message: `restore from ${DIR} failed: sha256sum: WARNING: 1 computed checksum did NOT match (restore by hand: docs/runbook.md)`,
    });
    expect(run.report.rolledBackFrom).toBeUndefined();
  });

  it('fails when the certificates on disk afterwards are not those from before the run', async () => {
    const node = new FakeNode()
      .on(script(RESTORE_SCRIPT), { stdout: '' })
      .on(script(NODE_FACTS_SCRIPT), { stdout: '' });
    const run = await runModule(
      restoreBackupModule,
      {},
      { nodes: { m1: node }, facts: { m1: { backupDir: DIR, factsBefore: nodeFacts() } } },
    );
    expect(run.record.status).toBe('failed');
    expect(run.record.message).toMatch(
      new RegExp(
        `^restored from ${DIR}, but admin\\.conf, apiserver, .* differ from the certificates before the run \\(restore by hand: docs/runbook\\.md\\)$`,
      ),
    );
  });

  it('in a dry run says what it would restore, and restores nothing', async () => {
    const node = new FakeNode();
    const run = await runModule(
      restoreBackupModule,
      {},
      { nodes: { m1: node }, facts: { m1: { backupDir: DIR } }, options: { dryRun: true } },
    );
    expect(run.record).toMatchObject({
      status: 'would-change',
      message: `would restore /etc/kubernetes and kubeconfigs from ${DIR}`,
    });
    expect(node.calls).toEqual([]);
  });
});
