// Connect retries and error classification.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UnreachableError } from '../../../src/errors.js';
import { createSshTransport } from '../../../src/transport/ssh-transport.js';
import { testHost } from '../../support/hosts.js';
import { startSshFixture, type SshFixture } from '../../support/ssh-fixture.js';
import { freePort, generateKey, startSshd, type SshdHandle } from '../../support/sshd.js';
import { expectRejection } from '../../support/expect-error.js';

// Hosts that never get as far as authentication still need a method configured.
const PASSWORD_ENV = 'KCR_TEST_CONNECT_PASSWORD';
process.env[PASSWORD_ENV] = 'unused';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Last registered, first run.
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('connect', () => {
  it('retries a refused connection with backoff until sshd comes up', async () => {
    const fx: SshFixture = await startSshFixture();
    cleanups.push(() => fx.stop());
    // Same client key and known_hosts, but the host points at a port where sshd starts later.
    const port = await freePort();
    const host = fx.host({ port });
    const transport = createSshTransport({ connectAttempts: 5, retryBaseDelayMs: 250 });
    cleanups.push(() => transport.closeAll());
    const hostKey = generateKey(fx.dir, 'late_host_key');
    writeFileSync(fx.knownHostsFile, `[127.0.0.1]:${port} ${hostKey.publicKeyLine}\n`);
    let late: SshdHandle | undefined;
    cleanups.push(async () => late?.stop());
    const pending = transport.connect(host);
    setTimeout(() => {
      void startSshd({ port, hostKey, authorizedKeys: [fx.publicKeyLine] }).then((s) => (late = s));
    }, 200);
    const conn = await pending;
    expect((await conn.run(['echo', 'up'])).stdout).toBe('up\n');
  });

  it('gives up after the configured attempts with "connection refused", the host named', async () => {
    const port = await freePort();
    const transport = createSshTransport({ connectAttempts: 3, retryBaseDelayMs: 100 });
    const started = Date.now();
    const err = await expectRejection(
      transport.connect(testHost({ port, passwordEnv: PASSWORD_ENV }, { name: 'm1', cluster: 'c1' })),
      UnreachableError,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(300); // 100 + 200 ms of backoff
    expect(err.oneLine()).toBe(`[c1/m1] cannot connect to m1 (root@127.0.0.1:${port}): connection refused`);
  });

  it('does not retry a DNS failure', async () => {
    const transport = createSshTransport({ connectAttempts: 3, retryBaseDelayMs: 1000 });
    const started = Date.now();
    const err = await expectRejection(
      transport.connect(testHost({ port: 22, address: 'no-such-host.invalid', passwordEnv: PASSWORD_ENV })),
      UnreachableError,
    );
    expect((err as Error).message).toContain('host name not found (DNS)');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('times out a server that accepts TCP but never speaks SSH (readyTimeout), and retries it', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => silent.close(() => r())));
    silent.on('connection', (socket) => cleanups.push(async () => void socket.destroy()));
    const port = (silent.address() as { port: number }).port;
    const transport = createSshTransport({ connectAttempts: 2, retryBaseDelayMs: 50 });
    const started = Date.now();
    const err = await expectRejection(
      transport.connect(testHost({ port, connectTimeoutMs: 300, passwordEnv: PASSWORD_ENV })),
      UnreachableError,
    );
    expect((err as Error).message).toContain('connect timed out (300 ms)');
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
  });

  it('refuses a host without any authentication method configured', async () => {
    const transport = createSshTransport();
    const err = await expectRejection(transport.connect(testHost({ port: 1 })), UnreachableError);
    expect((err as Error).message).toBe(
      'no SSH authentication configured for root@127.0.0.1 (identity file, agent or password)',
    );
  });
});
