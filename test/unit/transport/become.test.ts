// sudo through a real sshd, as throwaway local users (created here, removed in teardown).
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepError } from '../../../src/errors.js';
import { createSshTransport, type SshTransport } from '../../../src/transport/ssh-transport.js';
import { startSshFixture, type SshFixture } from '../../support/ssh-fixture.js';
import { createTestUser, type TestUser } from '../../support/users.js';
import { expectRejection } from '../../support/expect-error.js';

const PASSWORD_ENV = 'KCR_TEST_SUDO_PASSWORD';
const password = `pw-${Math.random().toString(36).slice(2)}'"$ x`;

let fx: SshFixture;
let transport: SshTransport;
let nopw: TestUser;
let withpw: TestUser;

beforeAll(async () => {
  fx = await startSshFixture();
  nopw = createTestUser();
  withpw = createTestUser({ password });
  process.env[PASSWORD_ENV] = password;
  transport = createSshTransport();
});
afterAll(async () => {
  delete process.env[PASSWORD_ENV];
  await transport?.closeAll();
  nopw?.remove();
  withpw?.remove();
  await fx?.stop();
});

describe('become with sudo -n (no password)', () => {
  it('runs as root when become is requested, as the user otherwise', async () => {
    const conn = await transport.connect(fx.host({ user: nopw.name }, { become: { enabled: true } }));
    expect((await conn.run(['id', '-un'], { become: true })).stdout.trim()).toBe('root');
    expect((await conn.run(['id', '-un'])).stdout.trim()).toBe(nopw.name);
  });

  it('does not use sudo when become is disabled for the host', async () => {
    const conn = await transport.connect(
      fx.host({ user: nopw.name }, { name: 'no-become', become: { enabled: false } }),
    );
    expect((await conn.run(['id', '-un'], { become: true })).stdout.trim()).toBe(nopw.name);
  });

  it('fails fast (no prompt wait) for a user that needs a password', async () => {
    const conn = await transport.connect(
      fx.host({ user: withpw.name }, { name: 'pw-user-n', become: { enabled: true } }),
    );
    const r = await conn.exec(['id', '-un'], { become: true, timeoutMs: 10_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/password is required/);
  });

  it('kills a timed-out root command started by a non-root user', async () => {
    const conn = await transport.connect(fx.host({ user: nopw.name }, { become: { enabled: true } }));
    await expectRejection(conn.exec(['sh', '-c', 'sleep 6.789'], { become: true, timeoutMs: 700 }), StepError);
    // `6[.]789`: the pattern must not match pgrep's own command line.
    const check = await conn.exec(['pgrep', '-f', 'sleep 6[.]789']);
    expect(check.exitCode).toBe(1);
  });
});

describe('become with a sudo password from the environment', () => {
  const host = () =>
    fx.host({ user: withpw.name }, { name: 'pw-user', become: { enabled: true, passwordEnv: PASSWORD_ENV } });

  it('runs as root, strips the prompt from stderr and passes the caller stdin after the password', async () => {
    const conn = await transport.connect(host());
    const r = await conn.run(['sh', '-c', 'id -un; cat; echo note >&2'], { become: true, stdin: 'payload\n' });
    expect(r.stdout).toBe('root\npayload\n');
    expect(r.stderr).toBe('note\n');
    expect(r.stdout + r.stderr).not.toContain(password);
  });

  it('does not send the password when sudo does not ask for it (cached timestamp)', async () => {
    const conn = await transport.connect(host());
    await conn.run(['true'], { become: true });
    const r = await conn.run(['cat'], { become: true, stdin: 'only this' });
    expect(r.stdout).toBe('only this');
  });

  it('writes a root-owned file with the password on stdin', async () => {
    const conn = await transport.connect(host());
    const path = `${fx.dir}/sudo-written`;
    await conn.writeFile(path, 'secret-free content\n', { become: true, mode: 0o640 });
    const st = statSync(path);
    expect(st.uid).toBe(0);
    expect(st.mode & 0o777).toBe(0o640);
  });

  it('fails with a clear error naming the variable when the password is wrong, never showing it', async () => {
    const t = createSshTransport();
    process.env.KCR_TEST_WRONG_PW = 'definitely-wrong';
    try {
      const conn = await t.connect(
        fx.host({ user: withpw.name }, { name: 'wrong', become: { enabled: true, passwordEnv: 'KCR_TEST_WRONG_PW' } }),
      );
      const err = await expectRejection(conn.exec(['id'], { become: true, timeoutMs: 20_000 }), StepError);
      expect((err as Error).message).toContain(
        'sudo rejected the password from environment variable KCR_TEST_WRONG_PW',
      );
      expect((err as Error).message).not.toContain('definitely-wrong');
    } finally {
      delete process.env.KCR_TEST_WRONG_PW;
      await t.closeAll();
    }
  });

  it('names the missing variable', async () => {
    const conn = await transport.connect(
      fx.host({ user: withpw.name }, { name: 'missing', become: { enabled: true, passwordEnv: 'KCR_TEST_UNSET_VAR' } }),
    );
    const err = await expectRejection(conn.exec(['id'], { become: true }), StepError);
    expect((err as Error).message).toBe('environment variable KCR_TEST_UNSET_VAR (sudo password) is not set');
  });
});
