// Edge cases a real OpenSSH server will not produce on demand, with ssh2's own Server.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StepError, UnreachableError } from '../../../src/errors.js';
import { createSshTransport, type SshTransport } from '../../../src/transport/ssh-transport.js';
import { startFakeSshServer, type FakeExec, type FakeServer } from '../../support/fake-ssh-server.js';
import { expectRejection } from '../../support/expect-error.js';
import { testHost } from '../../support/hosts.js';
import { makeTempDir } from '../../support/sshd.js';

const PASSWORD = 'fake-server-password';
const PASSWORD_ENV = 'KCR_TEST_FAKE_SSH_PASSWORD';

let server: FakeServer;
let dir: string;
let transport: SshTransport;
/** What the server does with the next exec requests (set per test). */
let onExec: (exec: FakeExec) => void = () => {};

beforeAll(async () => {
  process.env[PASSWORD_ENV] = PASSWORD;
  dir = makeTempDir('kcr-fake-');
  server = await startFakeSshServer({
    password: PASSWORD,
    onExec: (exec) => onExec(exec),
    maxSessions: 10,
  });
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${server.port} ${server.hostKeyPub}\n`);
});
afterAll(async () => {
  delete process.env[PASSWORD_ENV];
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await transport?.closeAll();
  server.resetSessionStats();
});

const host = () =>
  testHost(
    { port: server.port, passwordEnv: PASSWORD_ENV, knownHostsFiles: [join(dir, 'known_hosts')] },
    { name: 'fake' },
  );

describe('ssh2 Server edge cases', () => {
  it('treats a channel closed without exit status as a StepError, not success', async () => {
    onExec = ({ channel }) => {
      channel.write('partial');
      channel.close();
    };
    transport = createSshTransport();
    const conn = await transport.connect(host());
    const err = await expectRejection(
      conn.exec(['true'], { step: 'probe' }),
      StepError,
      'the server sent no exit status for the command',
    );
    expect(err.context).toMatchObject({ host: 'fake', step: 'probe' });
  });

  it('reports an exit signal sent by the server', async () => {
    onExec = ({ channel }) => {
      channel.exit('KILL', false, 'killed');
      channel.close();
    };
    transport = createSshTransport();
    const r = await (await transport.connect(host())).exec(['true']);
    expect(r).toMatchObject({ exitCode: null, signal: 'KILL' });
  });

  it('turns a refused channel open into a StepError (the connection stays usable)', async () => {
    transport = createSshTransport({ maxChannelsPerHost: 20 });
    const conn = await transport.connect(host());
    const release: (() => void)[] = [];
    onExec = ({ channel }) => {
      release.push(() => {
        channel.exit(0);
        channel.close();
      });
    };
    // 10 sessions held open: the server refuses the 11th, as OpenSSH's MaxSessions does.
    const held = Array.from({ length: 10 }, () => conn.exec(['sleep', '1']));
    while (release.length < 10) await new Promise((r) => setTimeout(r, 10));
    await expectRejection(conn.exec(['true']), StepError, /^the server refused to start the command: /);
    release.forEach((r) => r());
    expect((await Promise.all(held)).map((r) => r.exitCode)).toEqual(Array(10).fill(0));
  });

  it('queues commands beyond the channel cap, so 30 concurrent execs all succeed', async () => {
    onExec = ({ channel, command }) => {
      setTimeout(() => {
        channel.write(command.slice(-2));
        channel.exit(0);
        channel.close();
      }, 50);
    };
    transport = createSshTransport();
    const conn = await transport.connect(host());
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => conn.exec(['echo', String(i).padStart(2, '0')])),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 30 }, (_, i) => String(i).padStart(2, '0')));
    expect(server.sessions().maxOpen).toBe(8);
  });

  it('honours maxChannelsPerHost', async () => {
    onExec = ({ channel }) => {
      setTimeout(() => {
        channel.exit(0);
        channel.close();
      }, 30);
    };
    transport = createSshTransport({ maxChannelsPerHost: 3 });
    const conn = await transport.connect(host());
    await Promise.all(Array.from({ length: 12 }, () => conn.exec(['true'])));
    expect(server.sessions().maxOpen).toBe(3);
  });

  it('throws UnreachableError when the connection drops mid-command, then reconnects', async () => {
    onExec = ({ channel, connection }) => {
      channel.write('half of the output');
      setTimeout(() => server.drop(connection), 50);
    };
    transport = createSshTransport();
    const conn = await transport.connect(host());
    const err = await expectRejection(
      conn.exec(['long-running'], { step: 'renew' }),
      UnreachableError,
      'connection lost during the command',
    );
    expect(err.context).toMatchObject({ host: 'fake', step: 'renew' });
    await expectRejection(conn.exec(['true']), UnreachableError, 'connection lost');
    onExec = ({ channel }) => {
      channel.exit(0);
      channel.close();
    };
    const again = await transport.connect(host());
    expect(again).not.toBe(conn);
    expect((await again.exec(['true'])).exitCode).toBe(0);
  });

  it('times out a command on a server that never answers, with a StepError', async () => {
    onExec = () => {};
    transport = createSshTransport();
    const conn = await transport.connect(host());
    const started = Date.now();
    await expectRejection(
      conn.exec(['hang'], { timeoutMs: 300 }),
      StepError,
      'timed out after 300 ms; the remote command was killed',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects a wrong password as unreachable without retrying and without echoing it', async () => {
    process.env.KCR_TEST_WRONG_SSH_PASSWORD = 'not-the-password';
    transport = createSshTransport({ retryBaseDelayMs: 2000 });
    try {
      const started = Date.now();
      const err = await expectRejection(
        transport.connect(
          testHost({
            port: server.port,
            passwordEnv: 'KCR_TEST_WRONG_SSH_PASSWORD',
            knownHostsFiles: [join(dir, 'known_hosts')],
          }),
        ),
        UnreachableError,
      );
      expect((err as Error).message).toContain('authentication failed');
      expect((err as Error).message).not.toContain('not-the-password');
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      delete process.env.KCR_TEST_WRONG_SSH_PASSWORD;
    }
  });
});
