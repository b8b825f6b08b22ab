// BACKUP_SCRIPT, RESTORE_SCRIPT, COPY_KUBECONFIG_SCRIPT and the kubelet scripts run for real (sh,
// tar, sha256sum, install, sed, openssl) against a kubeadm-like tree in a temp dir. The scripts take
// absolute paths and archive relative to `/`, so a temp tree stands for /etc/kubernetes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSections } from '../../../src/kube/node-scripts.js';
import {
  BACKUP_SCRIPT,
  COPY_KUBECONFIG_SCRIPT,
  RENEWAL_FINISHED_SCRIPT,
  RESTORE_SCRIPT,
} from '../../../src/kube/scripts/backup.js';
import { RENEWAL_MARKER_NAME } from '../../../src/kube/paths.js';
import { KUBELET_STATE_SCRIPT, REPOINT_KUBELET_CONF_SCRIPT } from '../../../src/kube/scripts/kubelet.js';
import { parseCertificate } from '../../../src/kube/x509.js';
import {
  buildKubeadmTree,
  embeddedCert,
  fakeBin,
  issueLeaf,
  LEAF_KEY,
  leaf,
  opensslFacts,
  run,
  runScript,
  systemPathWithout,
  useKeyPoolAndScratch,
  validFor,
  type KubeadmTree,
} from './fixtures/pki.js';

const fx = useKeyPoolAndScratch('kcr-backup');

/**
 * What etcd 3.4.23's gateway streamed for POST /v3/maintenance/snapshot (a fresh member): one JSON
 * object a line, each a base64 chunk; the last chunk is the SHA-256 of the database before it.
 */
const GATEWAY_STREAM = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/etcd-3.4.23-snapshot-stream.json');
/** The snapshot those chunks make: what `etcdctl snapshot save` writes (database + SHA-256). */
async function realSnapshot(): Promise<Buffer> {
  const lines = (await readFile(GATEWAY_STREAM, 'utf8')).trim().split('\n');
  return Buffer.concat(
    lines.map((l) => Buffer.from((JSON.parse(l) as { result: { blob: string } }).result.blob, 'base64')),
  );
}
/** A curl that answers as etcd 3.3 does: Go's 404 page under /v3, the gateway under /v3beta. */
const curl33 = [
  'for a in "$@"; do url="$a"; done',
  'case "$url" in',
  `  */v3beta/maintenance/snapshot) cat '${GATEWAY_STREAM}' ;;`,
  '  */v3/*) echo "404 page not found" ;;',
  '  *) exit 7 ;;',
  'esac',
].join('\n');
const noEtcd = 'echo "curl: (7) Failed to connect to 127.0.0.1 port 2379: Connection refused" >&2; exit 7';

const sha256 = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/** Every file under dir, relative path -> sha256. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    out.set(file.slice(dir.length + 1), await sha256(file));
  }
  return out;
}

describe('BACKUP_SCRIPT and RESTORE_SCRIPT', () => {
  let tree: KubeadmTree;
  let backups: string;
  let userKubeconfig: string;
  let original: Map<string, string>;
  const args = (name: string, etcd = 'none', runtime = '-', container = '-'): string[] => [
    tree.k,
    backups,
    name,
    join(tree.root, 'var/lib/etcd'),
    etcd,
    runtime,
    container,
    userKubeconfig,
    join(tree.root, 'home/nobody/.kube/config'),
  ];

  beforeAll(async () => {
    tree = await buildKubeadmTree(fx.pool);
    backups = join(tree.root, 'var/lib/kube-cert-renew/backups');
    userKubeconfig = join(tree.root, 'root/.kube/config');
    await mkdir(join(tree.root, 'root/.kube'), { recursive: true });
    await writeFile(userKubeconfig, await readFile(tree.path('admin.conf')), { mode: 0o600 });
    original = await snapshot(tree.k);
  });
  afterAll(() => tree?.remove());

  it('makes a new directory with both archives and a SHA256SUMS that verifies', async () => {
    const res = await runScript(BACKUP_SCRIPT, args('b1'));
    expect(res.code, res.stderr).toBe(0);
    const dir = join(backups, 'b1');
    expect(res.stdout).toBe(`dir=${dir}\netcd=none\n`);
    expect((await readdir(dir)).sort()).toEqual([
      'SHA256SUMS',
      'etc-kubernetes.tar.gz',
      'kubeconfigs.list',
      'kubeconfigs.tar.gz',
    ]);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const sums = await readFile(join(dir, 'SHA256SUMS'), 'utf8');
    expect(sums).toBe(
      `${await sha256(join(dir, 'etc-kubernetes.tar.gz'))}  etc-kubernetes.tar.gz\n${await sha256(join(dir, 'kubeconfigs.tar.gz'))}  kubeconfigs.tar.gz\n`,
    );
    const k = tree.k.slice(1);
    const listing = (await run('tar', ['-tzf', join(dir, 'etc-kubernetes.tar.gz')])).split('\n');
    for (const rel of [
      'pki/ca.key',
      'pki/apiserver.crt',
      'pki/etcd/server.key',
      'pki/sa.key',
      'admin.conf',
      'kubelet.conf',
      'manifests/kube-apiserver.yaml',
    ]) {
      expect(listing, rel).toContain(`${k}/${rel}`);
    }
    // Only the kubeconfigs that exist, relative to /.
    expect(await readFile(join(dir, 'kubeconfigs.list'), 'utf8')).toBe(`${userKubeconfig.slice(1)}\n`);
    expect((await run('tar', ['-tzf', join(dir, 'kubeconfigs.tar.gz')])).trim()).toBe(userKubeconfig.slice(1));
  });

  it("marks the renewal in progress with the backup's name; RENEWAL_FINISHED_SCRIPT removes the mark", async () => {
    const marker = join(backups, RENEWAL_MARKER_NAME);
    expect(await readFile(marker, 'utf8')).toBe('b1\n');
    const done = await runScript(RENEWAL_FINISHED_SCRIPT, [backups]);
    expect(done.code, done.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    // Idempotent: finishing twice (a re-run) is not an error.
    expect((await runScript(RENEWAL_FINISHED_SCRIPT, [backups])).code).toBe(0);
  });

  it('its SHA256SUMS verifies with sha256sum -c', async () => {
    const res = await runScript('cd "$1" && sha256sum -c SHA256SUMS', [join(backups, 'b1')]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toBe('etc-kubernetes.tar.gz: OK\nkubeconfigs.tar.gz: OK\n');
  });

  it('refuses a second backup with the same name, without nesting or touching the first', async () => {
    const dir = join(backups, 'b1');
    const before = await snapshot(dir);
    const res = await runScript(BACKUP_SCRIPT, args('b1'));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`backup directory ${dir} already exists`);
    expect(res.stdout).toBe('');
    expect(existsSync(join(dir, 'b1'))).toBe(false);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a failing etcd snapshot, every way, removes the partial directory', async () => {
    const bin = await fakeBin(fx.scratch, { etcdctl: 'echo "context deadline exceeded" >&2; exit 1', curl: noEtcd });
    const res = await runScript(BACKUP_SCRIPT, args('b-etcd-fails', 'snapshot'), { pathPrefix: bin });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'etcd snapshot failed: host-etcdctl: context deadline exceeded; gateway: curl: (7) Failed to connect to 127.0.0.1 port 2379: Connection refused',
    );
    expect(existsSync(join(backups, 'b-etcd-fails'))).toBe(false);
    // Nothing was changed, so nothing is marked in progress.
    expect(existsSync(join(backups, RENEWAL_MARKER_NAME))).toBe(false);
  });

  it('an etcd snapshot is taken with the healthcheck client and covered by SHA256SUMS', async () => {
    const snapshotFile = join(fx.scratch, 'real-snapshot.db');
    await writeFile(snapshotFile, await realSnapshot());
    const bin = await fakeBin(fx.scratch, {
      etcdctl: [
        'for a in "$@"; do case "$a" in --cert=*) cert="${a#--cert=}";; --endpoints=*) ep="${a#--endpoints=}";; esac; done',
        '[ "$ETCDCTL_API" = 3 ] && [ "$ep" = https://127.0.0.1:2379 ] || exit 2',
        '[ -f "$cert" ] || exit 3',
        'shift $(($# - 3)); [ "$1 $2" = "snapshot save" ] || exit 4',
        `cp '${snapshotFile}' "$3"; echo "Snapshot saved at $3"`,
      ].join('\n'),
      curl: 'exit 99',
    });
    const res = await runScript(BACKUP_SCRIPT, args('b-etcd', 'snapshot'), { pathPrefix: bin });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('etcd=snapshot\netcd-via=host-etcdctl\n');
    const dir = join(backups, 'b-etcd');
    expect(await readFile(join(dir, 'etcd-snapshot.db'))).toEqual(await realSnapshot());
    expect(await readFile(join(dir, 'SHA256SUMS'), 'utf8')).toContain(
      `${await sha256(join(dir, 'etcd-snapshot.db'))}  etcd-snapshot.db`,
    );
    expect(existsSync(join(dir, 'etcd.out'))).toBe(false);
  });

  describe('without etcdctl on the host (TKEStack masters)', () => {
    let systemPath: string;
    beforeAll(async () => {
      systemPath = await systemPathWithout(fx.scratch, ['etcdctl']);
      // The member's database, whose size bounds the room the snapshot needs beside it.
      await mkdir(join(etcdDir(), 'member/snap'), { recursive: true });
      await writeFile(join(etcdDir(), 'member/snap/db'), (await realSnapshot()).subarray(0, -32));
    });
    const etcdDir = (): string => join(tree.root, 'var/lib/etcd');
    /** The snapshot backup `name` on this etcd-less node, with `tools` first on PATH. */
    const backup = async (name: string, runtime: string, container: string, tools: Record<string, string>) =>
      runScript(BACKUP_SCRIPT, args(name, 'snapshot', runtime, container), {
        pathPrefix: await fakeBin(fx.scratch, tools),
        systemPath,
      });
    /** A runtime CLI whose `exec <id> etcdctl ... snapshot save <file>` checks what it is given and writes `bytes`. */
    const runtimeExec = (cli: 'docker' | 'crictl', bytesFile: string): string =>
      [
        `[ "$1" = exec ] || exit 64; shift`,
        cli === 'docker' ? '[ "$1 $2" = "-e ETCDCTL_API=3" ] || exit 65; shift 2' : '',
        '[ "$1" = etcd-container-id ] || { echo "Error: No such container: $1" >&2; exit 1; }; shift',
        '[ "$1" = etcdctl ] || exit 66',
        `for a in "$@"; do case "$a" in --cert=*) cert="\${a#--cert=}";; --key=*) key="\${a#--key=}";; esac; done`,
        `[ "$cert" = '${tree.k}/pki/etcd/healthcheck-client.crt' ] && [ "$key" = '${tree.k}/pki/etcd/healthcheck-client.key' ] || exit 67`,
        'shift $(($# - 3)); [ "$1 $2" = "snapshot save" ] || exit 68',
        `cp '${bytesFile}' "$3"; echo "Snapshot saved at $3"`,
      ].join('\n');

    it.each(['docker', 'crictl'] as const)(
      "takes the snapshot with the etcdctl inside the etcd container (%s exec), through the data directory's mount",
      async (cli) => {
        const snapshotFile = join(fx.scratch, `real-snapshot-${cli}.db`);
        await writeFile(snapshotFile, await realSnapshot());
        await mkdir(etcdDir(), { recursive: true });
        const name = `b-exec-${cli}`;
        const res = await backup(name, cli, 'etcd-container-id', {
          [cli]: runtimeExec(cli, snapshotFile),
          curl: 'exit 99',
        });
        expect(res.code, res.stderr).toBe(0);
        expect(res.stdout).toContain('etcd=snapshot\netcd-via=container-etcdctl\n');
        expect(res.stdout).not.toContain('etcd-tried=');
        expect(await readFile(join(backups, name, 'etcd-snapshot.db'))).toEqual(await realSnapshot());
        // Nothing of ours is left in the member's data directory.
        expect((await readdir(etcdDir())).filter((f) => f.startsWith('kcr-snapshot'))).toEqual([]);
      },
    );

    it('an etcdctl that wrote a truncated snapshot is refused; the gateway (/v3beta on etcd 3.3) then takes it', async () => {
      const truncated = join(fx.scratch, 'truncated.db');
      await writeFile(truncated, (await realSnapshot()).subarray(0, 8192));
      const res = await backup('b-gateway', 'docker', 'etcd-container-id', {
        docker: runtimeExec('docker', truncated),
        curl: curl33,
      });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain('etcd=snapshot\netcd-via=gateway /v3beta\n');
      expect(res.stdout).toMatch(
        /^etcd-tried=container-etcdctl: Snapshot saved at \S+ not a complete snapshot \(no matching SHA-256 trailer\)$/m,
      );
      expect(await readFile(join(backups, 'b-gateway', 'etcd-snapshot.db'))).toEqual(await realSnapshot());
      expect(existsSync(join(backups, 'b-gateway', 'etcd.json'))).toBe(false);
    });

    it("no room beside etcd's data for the snapshot: the container way is not taken, the gateway is", async () => {
      const res = await backup('b-full', 'docker', 'etcd-container-id', {
        docker: 'echo "docker must not be run" >&2; exit 99',
        curl: curl33,
        // df -Pk as GNU prints it: 50 MiB free.
        df: 'printf "Filesystem 1024-blocks Used Available Capacity Mounted on\\n/dev/vda 1000000 948800 51200 95%% /\\n"',
      });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain('etcd=snapshot\netcd-via=gateway /v3beta\n');
      expect(res.stdout).toMatch(
        /^etcd-tried=container-etcdctl: only 51200 KiB free beside \S+ for a 20 KiB database$/m,
      );
    });

    it('a container that is gone and an etcd that answers nothing: the backup fails, nothing is copied live', async () => {
      const res = await backup('b-none', 'crictl', 'gone-id', {
        crictl: runtimeExec('crictl', '/nonexistent'),
        curl: noEtcd,
      });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('container-etcdctl: Error: No such container: gone-id; gateway: curl: (7)');
      expect(existsSync(join(backups, 'b-none'))).toBe(false);
    });

    describe('expired certificates: the data directory of the stopped member (offline)', () => {
      const manifest = (): string => join(tree.k, 'manifests/etcd.yaml');
      const parked = (): string => join(tree.k, 'etcd.yaml.moved-out-by-kube-cert-renew');
      const id = 'e'.repeat(64);
      /** A runtime whose `ps` answers as a kubelet keeps it: an etcd container while the manifest is in place
       *  (after `stopAfter` polls without it, when given); each answer logged. */
      const kubeletDocker = (log: string, opts: { neverStops?: boolean } = {}): string =>
        [
          '[ "$1" = ps ] || exit 64',
          `if [ -f '${manifest()}' ] || ${opts.neverStops ? 'true' : 'false'}; then echo running >>'${log}'; echo ${id}; else echo stopped >>'${log}'; fi`,
        ].join('\n');
      /** tar, logging whether etcd's manifest was in place while the data directory was archived. */
      const loggingTar = (log: string): string =>
        [
          `for a in "$@"; do case "$a" in *var/lib/etcd) [ -f '${manifest()}' ] && echo "tar while running" >>'${log}' || echo "tar while stopped" >>'${log}' ;; esac; done`,
          'exec /bin/tar "$@"',
        ].join('\n');
      const fast = (script: string): string =>
        script.replace("stopwait='120'", "stopwait='3'").replace("startwait='120'", "startwait='6'");
      const offline = async (name: string, runtime: string, tools: Record<string, string>) =>
        runScript(fast(BACKUP_SCRIPT), args(name, 'offline', runtime, '-'), {
          pathPrefix: await fakeBin(fx.scratch, tools),
          systemPath,
        });

      it('stops the member (manifest moved out), copies its data, verifies it, and starts it again', async () => {
        const log = join(fx.scratch, 'offline-ok.log');
        const db = await readFile(join(etcdDir(), 'member/snap/db'));
        const before = await readFile(manifest());
        const res = await offline('b-offline', 'docker', { docker: kubeletDocker(log), tar: loggingTar(log) });
        expect(res.code, res.stderr).toBe(0);
        const dbSum = createHash('sha256').update(db).digest('hex');
        expect(res.stdout).toContain(
          `etcd=copy\netcd-via=stopped-member\netcd-consistent=yes\netcd-db-sha256=${dbSum}\n`,
        );
        // Running, then stopped for the copy, then running again (three times: the same container for 2 s).
        const seen = (await readFile(log, 'utf8')).trim().split('\n');
        expect(seen[0]).toBe('running');
        expect(seen).toContain('tar while stopped');
        expect(seen).not.toContain('tar while running');
        expect(seen.slice(seen.indexOf('tar while stopped') + 1)).toEqual(['running', 'running', 'running']);
        expect(await readFile(manifest())).toEqual(before);
        expect(existsSync(parked())).toBe(false);
        const dir = join(backups, 'b-offline');
        const copied = execFileSync(
          'tar',
          ['-xzOf', join(dir, 'etcd-data.tar.gz'), `${etcdDir().slice(1)}/member/snap/db`],
          {
            maxBuffer: 64 * 1024 * 1024,
          },
        );
        expect(createHash('sha256').update(copied).digest('hex')).toBe(dbSum);
        expect(await readFile(join(dir, 'SHA256SUMS'), 'utf8')).toContain(
          `${await sha256(join(dir, 'etcd-data.tar.gz'))}  etcd-data.tar.gz`,
        );
      });

      it('a member that does not stop: the backup fails, the manifest is back, nothing is left', async () => {
        const log = join(fx.scratch, 'offline-never.log');
        const before = await readFile(manifest());
        const res = await offline('b-never', 'crictl', { crictl: kubeletDocker(log, { neverStops: true }) });
        expect(res.code).toBe(1);
        expect(res.stderr).toContain('etcd still runs 3s after its manifest was moved out (manifest put back)');
        expect(await readFile(manifest())).toEqual(before);
        expect(existsSync(parked())).toBe(false);
        expect(existsSync(join(backups, 'b-never'))).toBe(false);
      });

      it('a data directory without a bbolt database is refused; the manifest is back', async () => {
        const db = join(etcdDir(), 'member/snap/db');
        const good = await readFile(db);
        await writeFile(db, Buffer.alloc(8192, 7));
        try {
          const res = await offline('b-notbolt', 'docker', { docker: kubeletDocker(join(fx.scratch, 'nb.log')) });
          expect(res.code).toBe(1);
          expect(res.stderr).toContain('is not a bbolt database (no magic): not copied (manifest put back)');
          expect(existsSync(manifest())).toBe(true);
          expect(existsSync(join(backups, 'b-notbolt'))).toBe(false);
        } finally {
          await writeFile(db, good);
        }
      });

      it('a manifest parked by an interrupted run is never overwritten: refused before anything stops', async () => {
        await writeFile(parked(), 'left by a killed run\n');
        try {
          const log = join(fx.scratch, 'parked.log');
          const res = await offline('b-parked', 'docker', { docker: kubeletDocker(log) });
          expect(res.code).toBe(1);
          expect(res.stderr).toContain('etcd.yaml.moved-out-by-kube-cert-renew exists (left by an interrupted run?)');
          expect(await readFile(parked(), 'utf8')).toBe('left by a killed run\n');
          expect(existsSync(manifest())).toBe(true);
          expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['running']);
        } finally {
          await rm(parked());
        }
      });

      it('no runtime to watch the member with: a live copy, said to be inconsistent, and why', async () => {
        const res = await offline('b-noruntime', '-', {});
        expect(res.code, res.stderr).toBe(0);
        expect(res.stdout).toContain(
          'etcd=copy\netcd-via=live-copy\netcd-consistent=no\netcd-note=no container runtime known to see the member stop\n',
        );
        expect(existsSync(manifest())).toBe(true);
      });
    });
  });

  it('restore puts back modified and deleted files', async () => {
    await writeFile(tree.path('pki/apiserver.crt'), 'renewed\n');
    await writeFile(tree.path('pki/apiserver.key'), 'renewed key\n');
    await rm(tree.path('admin.conf'));
    await writeFile(userKubeconfig, 'changed\n');
    const res = await runScript(RESTORE_SCRIPT, [join(backups, 'b1')]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('restored\n');
    expect(await snapshot(tree.k)).toEqual(original);
    expect(await readFile(userKubeconfig, 'utf8')).toBe(await readFile(tree.path('admin.conf'), 'utf8'));
    expect((await stat(tree.path('pki/apiserver.key'))).mode & 0o777).toBe(0o600);
  });

  it('restore refuses a backup whose archive was corrupted, and changes nothing', async () => {
    const dir = join(backups, 'b-corrupt');
    expect((await runScript(BACKUP_SCRIPT, args('b-corrupt'))).code).toBe(0);
    const archive = join(dir, 'etc-kubernetes.tar.gz');
    const bytes = await readFile(archive);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20]! + 1) % 256;
    await writeFile(archive, bytes);
    await writeFile(tree.path('pki/apiserver.crt'), 'renewed\n');
    const res = await runScript(RESTORE_SCRIPT, [dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`backup ${dir} fails its checksums; not restoring`);
    expect(res.stdout).toBe('');
    expect(await readFile(tree.path('pki/apiserver.crt'), 'utf8')).toBe('renewed\n');
  });

  it('restore refuses a backup without SHA256SUMS and one that is not there', async () => {
    const dir = join(backups, 'b-nosums');
    expect((await runScript(BACKUP_SCRIPT, args('b-nosums'))).code).toBe(0);
    await rm(join(dir, 'SHA256SUMS'));
    expect(await runScript(RESTORE_SCRIPT, [dir])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('fails its checksums'),
    });
    expect(await runScript(RESTORE_SCRIPT, [join(backups, 'nope')])).toMatchObject({
      code: 1,
      stderr: `backup ${join(backups, 'nope')} not found\n`,
    });
  });
});

describe('COPY_KUBECONFIG_SCRIPT', () => {
  let tree: KubeadmTree;

  beforeAll(async () => {
    tree = await buildKubeadmTree(fx.pool);
  });
  afterAll(() => tree?.remove());

  it('copies into a new ~/.kube with mode 0600, owner root, and prints matching hashes', async () => {
    const dst = join(tree.root, 'root/.kube/config');
    const res = await runScript(COPY_KUBECONFIG_SCRIPT, [tree.path('admin.conf'), dst, 'root', 'root']);
    expect(res.code, res.stderr).toBe(0);
    const hash = await sha256(tree.path('admin.conf'));
    expect(res.stdout).toBe(`src=${hash}\ndst=${hash}\n`);
    expect(await sha256(dst)).toBe(hash);
    const st = await stat(dst);
    expect({ mode: st.mode & 0o777, uid: st.uid, gid: st.gid }).toEqual({ mode: 0o600, uid: 0, gid: 0 });
    expect((await stat(join(tree.root, 'root/.kube'))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(tree.root, 'root/.kube'))).toEqual(['config']);
  });

  it('replaces an existing, too open file and gives it to the user', async () => {
    const dst = join(tree.root, 'home/nobody/.kube/config');
    await mkdir(join(tree.root, 'home/nobody/.kube'), { recursive: true });
    await writeFile(dst, 'old\n', { mode: 0o644 });
    const res = await runScript(COPY_KUBECONFIG_SCRIPT, [tree.path('admin.conf'), dst, 'nobody', 'nogroup']);
    expect(res.code, res.stderr).toBe(0);
    const st = await stat(dst);
    expect({ mode: st.mode & 0o777, uid: st.uid, gid: st.gid }).toEqual({ mode: 0o600, uid: 65534, gid: 65534 });
    expect(await readFile(dst, 'utf8')).toBe(await readFile(tree.path('admin.conf'), 'utf8'));
    expect(await readdir(join(tree.root, 'home/nobody/.kube'))).toEqual(['config']);
  });

  it('fails without leaving a temp file when the source is missing', async () => {
    const dst = join(tree.root, 'home/nobody/.kube/config');
    const before = await sha256(dst);
    const res = await runScript(COPY_KUBECONFIG_SCRIPT, [tree.path('missing.conf'), dst, 'nobody', 'nogroup']);
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(await sha256(dst)).toBe(before);
    expect(await readdir(join(tree.root, 'home/nobody/.kube'))).toEqual(['config']);
  });
});

describe('kubelet client certificate scripts', () => {
  let tree: KubeadmTree;
  let conf: string;
  let boot: string;

  /** kubelet-client-current.pem as the kubelet writes it: certificate then key. */
  async function writeKubeletPem(validity: ReturnType<typeof validFor>): Promise<string> {
    const certPem = await issueLeaf(tree, leaf('kubelet.conf'), validity);
    await mkdir(join(tree.root, 'var/lib/kubelet/pki'), { recursive: true });
    await writeFile(tree.kubeletPem, certPem + fx.pool.pems[LEAF_KEY]!, { mode: 0o600 });
    return certPem;
  }
  const state = async (): Promise<Map<string, string>> => {
    // Its exit status is systemctl's (no systemd here); the module reads only the sections.
    const res = await runScript(KUBELET_STATE_SCRIPT, [conf, tree.kubeletPem, boot]);
    const s = parseSections(res.stdout);
    expect([...s.keys()]).toEqual(['embedded', 'embedded-cert', 'pem-valid', 'bootstrap', 'kubelet']);
    return s;
  };

  beforeAll(async () => {
    tree = await buildKubeadmTree(fx.pool, { kubeletConf: 'embedded' });
    conf = tree.path('kubelet.conf');
    boot = tree.path('bootstrap-kubelet.conf');
  });
  afterAll(() => tree?.remove());

  it('KUBELET_STATE_SCRIPT: embedded, with the embedded certificate; no valid pem, no bootstrap', async () => {
    const s = await state();
    expect(s.get('embedded')).toBe('yes');
    const embedded = s.get('embedded-cert')!;
    expect(embedded.trim()).toBe((await embeddedCert(conf)).trim());
    const file = join(fx.scratch, 'embedded.pem');
    await writeFile(file, embedded);
    expect(parseCertificate(embedded).notAfter.toISOString()).toBe((await opensslFacts(file)).notAfter);
    expect(s.get('pem-valid')).toBe('no');
    expect(s.get('bootstrap')).toBe('no');
  });

  it('KUBELET_STATE_SCRIPT: pem valid for more than an hour, bootstrap present', async () => {
    await writeKubeletPem(validFor(300));
    await writeFile(boot, 'apiVersion: v1\n', { mode: 0o600 });
    const s = await state();
    expect(s.get('pem-valid')).toBe('yes');
    expect(s.get('bootstrap')).toBe('yes');
  });

  it('KUBELET_STATE_SCRIPT: a pem expiring within the hour is not valid', async () => {
    const soon = { notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 30 * 60_000) };
    await writeKubeletPem(soon);
    expect((await state()).get('pem-valid')).toBe('no');
    await writeKubeletPem(validFor(300));
  });

  it('REPOINT_KUBELET_CONF_SCRIPT points kubelet.conf at the pem, keeps a copy, changes nothing else', async () => {
    const before = await readFile(conf, 'utf8');
    const res = await runScript(REPOINT_KUBELET_CONF_SCRIPT, [conf, tree.kubeletPem, 'kcr-20250101T000000Z']);
    expect(res.code, res.stderr).toBe(0);
    expect(await readFile(`${conf}.kcr-20250101T000000Z`, 'utf8')).toBe(before);
    const after = await readFile(conf, 'utf8');
    const expected = before
      .replace(/^ {4}client-certificate-data: .*$/m, `    client-certificate: ${tree.kubeletPem}`)
      .replace(/^ {4}client-key-data: .*$/m, `    client-key: ${tree.kubeletPem}`);
    expect(expected).not.toBe(before);
    expect(after).toBe(expected);
    expect((await stat(conf)).mode & 0o777).toBe(0o600);
    expect((await readdir(tree.k)).filter((f) => f.includes('kcr-tmp'))).toEqual([]);
    const s = await state();
    expect(s.get('embedded')).toBe('no');
    expect(s.get('embedded-cert')).toBe('');
  });

  it('REPOINT_KUBELET_CONF_SCRIPT on the file it already repointed keeps it as it is', async () => {
    expect(await readFile(conf, 'utf8')).not.toContain('client-certificate-data');
    const before = await readFile(conf, 'utf8');
    const res = await runScript(REPOINT_KUBELET_CONF_SCRIPT, [conf, tree.kubeletPem, 'kcr-again']);
    expect(res.code, res.stderr).toBe(0);
    expect(await readFile(conf, 'utf8')).toBe(before);
  });

  it('REPOINT_KUBELET_CONF_SCRIPT fails on a missing kubelet.conf and writes nothing', async () => {
    const missing = join(tree.root, 'etc/kubernetes/none.conf');
    const res = await runScript(REPOINT_KUBELET_CONF_SCRIPT, [missing, tree.kubeletPem, 'x']);
    expect(res.code).not.toBe(0);
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(`${missing}.x`)).toBe(false);
  });
});
