// Backup retention: which entries go (only this tool's own, of this host, beyond the newest N), and
// the node script run for real on a temp folder, re-checking every name before it removes it.
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRUNE_BACKUPS_SCRIPT } from '../../../src/kube/scripts/backup.js';
import { parseBackupList, selectBackupsToRemove, type BackupEntry } from '../../../src/modules/support/retention.js';
import { runScript } from '../kube/fixtures/pki.js';

const dir = (name: string): BackupEntry => ({ kind: 'dir', name });
const file = (name: string): BackupEntry => ({ kind: 'file', name });

describe('selectBackupsToRemove', () => {
  const m1 = ['20261101T000000Z-m1-aaaaaa', '20261201T000000Z-m1-bbbbbb', '20261203T000000Z-m1-cccccc'];

  it('keeps the newest N of this host, removes the older ones, oldest first', () => {
    expect(selectBackupsToRemove(m1.map(dir), { host: 'm1', keep: 1 })).toEqual(m1.slice(0, 2));
    expect(selectBackupsToRemove([...m1].reverse().map(dir), { host: 'm1', keep: 2 })).toEqual([m1[0]]);
    expect(selectBackupsToRemove(m1.map(dir), { host: 'm1', keep: 3 })).toEqual([]);
  });

  it("never selects another host's backups, even one whose name starts with this one's", () => {
    const others = ['20250101T000000Z-m1-x-aaaaaa', '20250101T000000Z-m10-aaaaaa', '20250101T000000Z-m2-aaaaaa'];
    expect(selectBackupsToRemove([...others, ...m1].map(dir), { host: 'm1', keep: 1 })).toEqual(m1.slice(0, 2));
    // m1-x's own backups are its own.
    expect(selectBackupsToRemove([...others, ...m1].map(dir), { host: 'm1-x', keep: 1 })).toEqual([]);
  });

  it('never selects what is not named as this tool names its backups', () => {
    const foreign = [
      dir('my-backup'),
      dir('20261203T000000Z-m1-CCCCCC'), // not lowercase hex
      dir('20261203T000000Z-m1-abc'), // not 6 hex
      file('20261101T000000Z-m1-aaaaaa'), // a file with a directory's name
      file('IN-PROGRESS'),
      file('tke-certs-2026.yaml'),
      dir('tke-certs-20261101T000000Z.yaml'), // a directory with a file's name
    ];
    expect(selectBackupsToRemove(foreign, { host: 'm1', keep: 1 })).toEqual([]);
  });

  it('keeps the newest N tke/certs copies too, counted apart from the directories', () => {
    const tke = ['tke-certs-20261101T000000Z.yaml', 'tke-certs-20261201T000000Z.yaml'].map(file);
    expect(selectBackupsToRemove([...tke, ...m1.map(dir)], { host: 'm1', keep: 1 })).toEqual([
      ...m1.slice(0, 2),
      'tke-certs-20261101T000000Z.yaml',
    ]);
  });

  it("counts a dry run's pending backup against the directories only", () => {
    const tke = ['tke-certs-20261101T000000Z.yaml', 'tke-certs-20261201T000000Z.yaml'].map(file);
    expect(selectBackupsToRemove([...tke, ...m1.map(dir)], { host: 'm1', keep: 2, pendingDirs: 1 })).toEqual(
      m1.slice(0, 2),
    );
  });

  it('never selects a protected name (the backup of this run)', () => {
    expect(selectBackupsToRemove(m1.map(dir), { host: 'm1', keep: 1, protect: [m1[0]!] })).toEqual([m1[1]]);
  });

  it('uses the name literally: a host name with regex characters matches only itself', () => {
    expect(selectBackupsToRemove([dir('20261101T000000Z-m1x2-aaaaaa')], { host: 'm1.2', keep: 0 })).toEqual([]);
    expect(selectBackupsToRemove([dir('20261101T000000Z-m1.2-aaaaaa')], { host: 'm1.2', keep: 0 })).toEqual([
      '20261101T000000Z-m1.2-aaaaaa',
    ]);
  });

  it('parses the node listing, ignoring anything else', () => {
    expect(parseBackupList('dir a\nfile b\ngarbage\n\ndir \n')).toEqual([dir('a'), file('b')]);
  });
});

describe('prune-backups.sh', () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'kcr-prune-'));
    root = path.join(base, 'backups');
    outside = path.join(base, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'SHA256SUMS'), '');
    for (const name of ['20261101T000000Z-m1-aaaaaa', '20261201T000000Z-m1-bbbbbb']) {
      await mkdir(path.join(root, name), { recursive: true });
      await writeFile(path.join(root, name, 'SHA256SUMS'), '');
    }
    await mkdir(path.join(root, '20261202T000000Z-m1-unfinished'));
    await writeFile(path.join(root, 'tke-certs-20261101T000000Z.yaml'), '');
    await writeFile(path.join(root, 'IN-PROGRESS'), '');
    await symlink(outside, path.join(root, '20261102T000000Z-m1-dddddd'));
  });
  afterAll(async () => {
    await rm(path.dirname(root), { recursive: true, force: true });
  });

  it('lists finished backup directories and files; not unfinished directories or symlinks', async () => {
    const res = await runScript(PRUNE_BACKUPS_SCRIPT, [root, 'list']);
    expect(res.code).toBe(0);
    expect(res.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'dir 20261101T000000Z-m1-aaaaaa',
      'dir 20261201T000000Z-m1-bbbbbb',
      'file IN-PROGRESS',
      'file tke-certs-20261101T000000Z.yaml',
    ]);
  });

  it('a missing folder lists nothing', async () => {
    expect(await runScript(PRUNE_BACKUPS_SCRIPT, [path.join(root, 'none'), 'list'])).toMatchObject({
      code: 0,
      stdout: '',
    });
  });

  it('removes the names given, after re-checking each; keeps and reports what fails a check', async () => {
    const res = await runScript(PRUNE_BACKUPS_SCRIPT, [
      root,
      'remove',
      '20261101T000000Z-m1-aaaaaa',
      'tke-certs-20261101T000000Z.yaml',
      '20261102T000000Z-m1-dddddd', // a symlink: its target must survive
      '20261202T000000Z-m1-unfinished', // no SHA256SUMS
      'IN-PROGRESS',
      '../outside',
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('removed 20261101T000000Z-m1-aaaaaa\n');
    expect(res.stdout).toContain('removed tke-certs-20261101T000000Z.yaml\n');
    expect(res.stdout).toContain('kept 20261102T000000Z-m1-dddddd: not a finished backup directory\n');
    expect(res.stdout).toContain('kept 20261202T000000Z-m1-unfinished: not a finished backup directory\n');
    expect(res.stdout).toContain('kept IN-PROGRESS: not a name this tool gives its backups\n');
    expect(res.stdout).toContain('kept ../outside: not a name inside');
    expect((await readdir(root)).sort()).toEqual([
      '20261102T000000Z-m1-dddddd',
      '20261201T000000Z-m1-bbbbbb',
      '20261202T000000Z-m1-unfinished',
      'IN-PROGRESS',
    ]);
    expect(await readdir(outside)).toEqual(['SHA256SUMS']);
  });
});
