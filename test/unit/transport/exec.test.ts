// exec against a real OpenSSH server on loopback.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KcrError, StepError } from '../../../src/errors.js';
import { createSshTransport, type SshTransport } from '../../../src/transport/ssh-transport.js';
import { startSshFixture, type SshFixture } from '../../support/ssh-fixture.js';
import { expectRejection } from '../../support/expect-error.js';

let fx: SshFixture;
let transport: SshTransport;

beforeAll(async () => {
  fx = await startSshFixture({ extraConfig: ['MaxSessions 10'] });
  transport = createSshTransport({ defaultTimeoutMs: 20_000 });
});
afterAll(async () => {
  await transport?.closeAll();
  await fx?.stop();
});

function processGone(pattern: string): boolean {
  try {
    execFileSync('pgrep', ['-f', pattern]);
    return false;
  } catch {
    return true;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('exec over a real sshd', () => {
  it('returns stdout and stderr separately and exit code 0', async () => {
    const conn = await transport.connect(fx.host());
    const r = await conn.exec(['sh', '-c', 'echo out; echo err >&2']);
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
    expect(r.signal).toBeUndefined();
  });

  it('passes arguments verbatim, quoted by the one quoting function', async () => {
    const conn = await transport.connect(fx.host());
    const args = ["it's", '', 'a b', '$HOME', '`id`', '"q"', '\\', '*', ';', 'x\ny', '-n'];
    const r = await conn.exec(['printf', '[%s]', ...args]);
    expect(r.stdout).toBe(args.map((a) => `[${a}]`).join(''));
  });

  it('returns a non-zero exit code without throwing; run() throws StepError with stderr', async () => {
    const conn = await transport.connect(fx.host());
    expect((await conn.exec(['sh', '-c', 'exit 3'])).exitCode).toBe(3);
    const err = await expectRejection(conn.run(['sh', '-c', 'echo broken >&2; exit 4'], { step: 'check' }), StepError);
    expect((err as StepError).message).toContain('exited with 4: broken');
    expect((err as StepError).context).toMatchObject({ host: fx.host().name, step: 'check' });
  });

  it('reports the signal a command died of', async () => {
    const conn = await transport.connect(fx.host());
    const r = await conn.exec(['sh', '-c', 'kill -TERM $$']);
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe('TERM');
  });

  it('feeds stdin', async () => {
    const conn = await transport.connect(fx.host());
    const r = await conn.exec(['cat'], { stdin: 'hello\nworld' });
    expect(r.stdout).toBe('hello\nworld');
  });

  it('reuses one connection per host, also for concurrent connect() calls', async () => {
    const [a, b] = await Promise.all([transport.connect(fx.host()), transport.connect(fx.host())]);
    expect(a).toBe(b);
    expect(await transport.connect(fx.host())).toBe(a);
  });

  it('kills the remote command on timeout and throws StepError', async () => {
    const conn = await transport.connect(fx.host());
    const marker = join(fx.dir, 'timeout-marker');
    const started = Date.now();
    const err = await expectRejection(
      conn.exec(['sh', '-c', 'sleep 7.123; touch "$1"', 'sh', marker], { timeoutMs: 800 }),
      StepError,
    );
    expect((err as Error).message).toMatch(/timed out after 800 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await waitUntil(() => processGone('sleep 7.123'), 1500)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(marker)).toBe(false);
  });

  it('kills a command that ignores TERM (KILL follows 2 s later)', async () => {
    const conn = await transport.connect(fx.host());
    await expectRejection(
      conn.exec(['sh', '-c', "trap '' TERM; sleep 8.321 & wait; sleep 8.321"], { timeoutMs: 500 }),
      StepError,
    );
    expect(processGone('sleep 8.321')).toBe(false); // still there right after: it ignored TERM
    expect(await waitUntil(() => processGone('sleep 8.321'), 5000)).toBe(true);
  });

  it('cancels on AbortSignal and kills the remote command', async () => {
    const conn = await transport.connect(fx.host());
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const err = await expectRejection(conn.exec(['sleep', '9.456'], { signal: ac.signal }), KcrError);
    expect((err as KcrError).kind).toBe('interrupted');
    expect(await waitUntil(() => processGone('sleep 9.456'), 1500)).toBe(true);
  });

  it('fails a command whose output exceeds the cap', async () => {
    const small = createSshTransport({ maxOutputBytes: 1000 });
    try {
      const conn = await small.connect(fx.host());
      const err = await expectRejection(conn.exec(['head', '-c', '5000', '/dev/zero']), StepError);
      expect((err as Error).message).toContain('more than 1000 bytes to stdout');
      expect((await conn.exec(['head', '-c', '1000', '/dev/zero'])).stdout.length).toBe(1000);
    } finally {
      await small.closeAll();
    }
  });

  it('runs more concurrent commands than OpenSSH MaxSessions (10) allows, by queueing', async () => {
    const conn = await transport.connect(fx.host());
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => conn.exec(['sh', '-c', `sleep 0.2; echo ${i}`])),
    );
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
  });

  it('reconnects after the connection was closed', async () => {
    const conn = await transport.connect(fx.host());
    await conn.close();
    const again = await transport.connect(fx.host());
    expect(again).not.toBe(conn);
    expect((await again.exec(['true'])).exitCode).toBe(0);
  });
});
