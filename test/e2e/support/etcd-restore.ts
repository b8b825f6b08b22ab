// Proving an etcd backup (the data directory a renewal copied from a stopped member) by restoring it
// as an operator would, into a scratch etcd on this machine: a temp folder, free loopback ports,
// the real etcd and etcdctl; the scratch etcd is ended by its pid and its folder removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, type RunResult } from './lab.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Restores a backup's etcd-data.tar.gz as an operator would (snapshot restore of the copied
 * member/snap/db), starts a scratch etcd on it on loopback, and returns `etcdctl get <key>` and the
 * endpoint health; the scratch etcd is killed by its pid and its folder removed.
 */
export async function restoreAndRead(
  archive: string,
  key: string,
): Promise<{ get: RunResult; health: RunResult; restore: RunResult }> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'kcr-etcd-restore-'));
  let etcd: ChildProcess | undefined;
  try {
    const untar = await run('tar', ['-xzf', archive, '-C', scratch]);
    if (untar.code !== 0) throw new Error(`untar ${archive}: ${untar.stderr}`);
    const [client, peer] = [await freePort(), await freePort()];
    const restored = path.join(scratch, 'restored');
    const restore = await run(
      'etcdctl',
      [
        'snapshot',
        'restore',
        path.join(scratch, 'var/lib/etcd/member/snap/db'),
        '--skip-hash-check',
        '--name',
        'scratch',
        '--data-dir',
        restored,
        '--initial-cluster',
        `scratch=http://127.0.0.1:${peer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${peer}`,
      ],
      { ETCDCTL_API: '3' },
    );
    if (restore.code !== 0) return { restore, get: restore, health: restore };
    etcd = spawn(
      'etcd',
      [
        '--name',
        'scratch',
        '--data-dir',
        restored,
        '--listen-client-urls',
        `http://127.0.0.1:${client}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${client}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${peer}`,
        '--listen-metrics-urls',
        `http://127.0.0.1:${await freePort()}`,
      ],
      { stdio: 'ignore' },
    );
    const endpoint = `--endpoints=http://127.0.0.1:${client}`;
    let health: RunResult = { code: 1, stdout: '', stderr: 'not probed' };
    for (let i = 0; i < 60 && health.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      health = await run('etcdctl', [endpoint, '--dial-timeout=2s', 'endpoint', 'health'], { ETCDCTL_API: '3' });
    }
    const get = await run('etcdctl', [endpoint, 'get', key, '--print-value-only'], { ETCDCTL_API: '3' });
    return { restore, get, health };
  } finally {
    if (etcd?.pid) {
      const exited = new Promise((r) => etcd!.once('exit', r));
      process.kill(etcd.pid, 'SIGTERM');
      await exited;
    }
    await rm(scratch, { recursive: true, force: true });
  }
}
