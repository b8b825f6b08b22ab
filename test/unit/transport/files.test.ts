// readFile / writeFile / upload against a real sshd.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepError } from '../../../src/errors.js';
import { createSshTransport, type SshTransport } from '../../../src/transport/ssh-transport.js';
import type { Connection } from '../../../src/transport/types.js';
import { startSshFixture, type SshFixture } from '../../support/ssh-fixture.js';
import { createTestUser, type TestUser } from '../../support/users.js';
import { expectRejection } from '../../support/expect-error.js';

let fx: SshFixture;
let transport: SshTransport;
let conn: Connection;
let user: TestUser;
let work: string;

beforeAll(async () => {
  fx = await startSshFixture();
  user = createTestUser();
  transport = createSshTransport();
  conn = await transport.connect(fx.host());
  work = join(fx.dir, 'files');
  execFileSync('mkdir', ['-m', '0777', work]);
});
afterAll(async () => {
  await transport?.closeAll();
  user?.remove();
  await fx?.stop();
});

const leftovers = () => readdirSync(work).filter((f) => f.includes('.kcr-'));

describe('readFile', () => {
  it('reads bytes exactly, binary included', async () => {
    const data = randomBytes(70_000);
    const path = join(work, 'binary');
    writeFileSync(path, data);
    expect((await conn.readFile(path)).equals(data)).toBe(true);
  });

  it('throws StepError naming the file when it is missing', async () => {
    const err = await expectRejection(conn.readFile(join(work, 'nope'), { step: 'read' }), StepError);
    expect((err as Error).message).toContain(`reading ${join(work, 'nope')}`);
    expect((err as Error).message).toContain('No such file');
  });
});

describe('writeFile', () => {
  it('creates a new file with mode 0600 by default, or the given mode and owner', async () => {
    const a = join(work, 'new-default');
    await conn.writeFile(a, 'A');
    expect(readFileSync(a, 'utf8')).toBe('A');
    expect(statSync(a).mode & 0o7777).toBe(0o600);
    const b = join(work, 'new-explicit');
    await conn.writeFile(b, 'B', { mode: 0o644, owner: user.name, group: user.name });
    const st = statSync(b);
    expect(st.mode & 0o7777).toBe(0o644);
    expect(st.uid).toBe(Number(execFileSync('id', ['-u', user.name]).toString()));
    expect(leftovers()).toEqual([]);
  });

  it('keeps an existing file mode and owner when not given', async () => {
    const path = join(work, 'existing');
    writeFileSync(path, 'old');
    chmodSync(path, 0o640);
    const uid = Number(execFileSync('id', ['-u', user.name]).toString());
    const gid = Number(execFileSync('id', ['-g', user.name]).toString());
    chownSync(path, uid, gid);
    await conn.writeFile(path, "new content with 'quotes' and $dollars\n");
    const st = statSync(path);
    expect(readFileSync(path, 'utf8')).toBe("new content with 'quotes' and $dollars\n");
    expect(st.mode & 0o7777).toBe(0o640);
    expect([st.uid, st.gid]).toEqual([uid, gid]);
  });

  it('replaces the file atomically (a new inode renamed over the old one)', async () => {
    const path = join(work, 'atomic');
    writeFileSync(path, 'v1');
    const before = statSync(path).ino;
    await conn.writeFile(path, 'v2');
    expect(statSync(path).ino).not.toBe(before);
    expect(readFileSync(path, 'utf8')).toBe('v2');
    expect(leftovers()).toEqual([]);
  });

  it('writes through a symlink to its target, keeping the link', async () => {
    const real = join(work, 'real.pem');
    const link = join(work, 'current.pem');
    writeFileSync(real, 'old');
    symlinkSync(real, link);
    await conn.writeFile(link, 'fresh');
    expect(readFileSync(real, 'utf8')).toBe('fresh');
    expect(execFileSync('readlink', [link]).toString().trim()).toBe(real);
  });

  it('fails without touching anything when the folder does not exist', async () => {
    const err = await expectRejection(conn.writeFile(join(work, 'no/such/dir/f'), 'x'), StepError);
    expect((err as Error).message).toContain('does its folder exist');
  });

  it('writes as a login user that may not touch the file only through become', async () => {
    const path = join(work, 'root-only');
    writeFileSync(path, 'old');
    chmodSync(path, 0o600);
    const userConn = await transport.connect(
      fx.host({ user: user.name }, { name: 'plain-user', become: { enabled: true } }),
    );
    await expectRejection(userConn.writeFile(path, 'x'), StepError);
    await userConn.writeFile(path, 'by sudo', { become: true });
    expect(readFileSync(path, 'utf8')).toBe('by sudo');
    expect(statSync(path).uid).toBe(0);
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    expect(leftovers()).toEqual([]);
  });
});

describe('upload (SFTP)', () => {
  it('uploads a multi-MB file atomically with the given mode', async () => {
    const local = join(fx.dir, 'big.bin');
    const data = randomBytes(12 * 1024 * 1024);
    writeFileSync(local, data);
    const remote = join(work, 'kubeadm');
    await conn.upload(local, remote, { mode: 0o755 });
    expect(readFileSync(remote).equals(data)).toBe(true);
    expect(statSync(remote).mode & 0o7777).toBe(0o755);
    expect(leftovers()).toEqual([]);
  });

  it('uploads through sudo for a non-root login user (staged in /tmp, then installed)', async () => {
    const local = join(fx.dir, 'medium.bin');
    const data = randomBytes(3 * 1024 * 1024);
    writeFileSync(local, data);
    const remote = join(work, 'root-binary');
    const userConn = await transport.connect(
      fx.host({ user: user.name }, { name: 'plain-user', become: { enabled: true } }),
    );
    const tmpBefore = readdirSync('/tmp').filter((f) => f.startsWith('kcr-upload-'));
    await userConn.upload(local, remote, { become: true, mode: 0o750 });
    expect(readFileSync(remote).equals(data)).toBe(true);
    expect(statSync(remote).uid).toBe(0);
    expect(statSync(remote).mode & 0o7777).toBe(0o750);
    expect(readdirSync('/tmp').filter((f) => f.startsWith('kcr-upload-'))).toEqual(tmpBefore);
  });

  it('fails with StepError for a missing local file', async () => {
    const err = await expectRejection(conn.upload(join(fx.dir, 'missing.bin'), join(work, 'x')), StepError);
    expect((err as Error).message).toContain('missing.bin');
    expect(leftovers()).toEqual([]);
  });
});
