// known_hosts accept / refuse against real sshd servers, and a bastion hop.
import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnreachableError } from '../../../src/errors.js';
import { fingerprintSha256 } from '../../../src/transport/known-hosts.js';
import { createSshTransport } from '../../../src/transport/ssh-transport.js';
import { sshTarget } from '../../support/hosts.js';
import { startSshFixture, type SshFixture } from '../../support/ssh-fixture.js';
import { generateKey, startSshd, type SshdHandle } from '../../support/sshd.js';
import { expectRejection } from '../../support/expect-error.js';

let fx: SshFixture;
let other: SshdHandle; // another server, another host key (an "intruder" for the changed-key test)
let dual: SshdHandle; // a server with an ed25519 and an RSA host key
let jump: SshdHandle; // the bastion
let noForwarding: SshdHandle; // a bastion that refuses tunnels

beforeAll(async () => {
  fx = await startSshFixture();
  const rsaHostKey = generateKey(fx.dir, 'host_rsa', 'rsa');
  [other, dual, jump, noForwarding] = await Promise.all([
    startSshd({ authorizedKeys: [fx.publicKeyLine] }),
    startSshd({ authorizedKeys: [fx.publicKeyLine], extraConfig: [`HostKey ${rsaHostKey.privateKeyPath}`] }),
    startSshd({ authorizedKeys: [fx.publicKeyLine] }),
    startSshd({ authorizedKeys: [fx.publicKeyLine], extraConfig: ['AllowTcpForwarding no'] }),
  ]);
  rsaHostKeyPub = rsaHostKey.publicKeyLine.split(' ').slice(0, 2).join(' ');
});
afterAll(async () => {
  await Promise.all([other?.stop(), dual?.stop(), jump?.stop(), noForwarding?.stop()]);
  await fx?.stop();
});

let rsaHostKeyPub: string;
let fileCount = 0;
function knownHosts(text: string): string {
  const path = join(fx.dir, `known_hosts_${++fileCount}`);
  writeFileSync(path, text);
  return path;
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

/** Connects once with a fresh transport and runs `true`; returns the error, if any. */
async function tryConnect(host: ReturnType<SshFixture['host']>, acceptNewHostKeys = false): Promise<unknown> {
  const t = createSshTransport({ acceptNewHostKeys, connectAttempts: 1 });
  try {
    const conn = await t.connect(host);
    await conn.run(['true']);
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await t.closeAll();
  }
}

describe('known_hosts: accept', () => {
  it('accepts a plain [host]:port entry in a comma list, after comments and other hosts', async () => {
    const file = knownHosts(
      `# comment\n\nexample.org ${other.hostKeyPub}\nfoo,[127.0.0.1]:${fx.sshd.port} ${fx.sshd.hostKeyPub}\n`,
    );
    expect(await tryConnect(fx.host({ knownHostsFiles: [file] }))).toBeUndefined();
  });

  it('accepts a hashed entry', async () => {
    const file = knownHosts(`${hashed(`[127.0.0.1]:${fx.sshd.port}`)} ${fx.sshd.hostKeyPub}\n`);
    expect(await tryConnect(fx.host({ knownHostsFiles: [file] }))).toBeUndefined();
  });

  it('checks several files in order (the key may be in the second)', async () => {
    const first = knownHosts(`[127.0.0.1]:1 ${fx.sshd.hostKeyPub}\n`);
    const second = knownHosts(`[127.0.0.1]:${fx.sshd.port} ${fx.sshd.hostKeyPub}\n`);
    expect(await tryConnect(fx.host({ knownHostsFiles: [join(fx.dir, 'missing'), first, second] }))).toBeUndefined();
  });

  it('negotiates the key type known_hosts holds (only the RSA key of a host that prefers ed25519)', async () => {
    const file = knownHosts(`[127.0.0.1]:${dual.port} ${rsaHostKeyPub}\n`);
    expect(await tryConnect(fx.host({ port: dual.port, knownHostsFiles: [file] }))).toBeUndefined();
  });
});

describe('known_hosts: refuse', () => {
  it('refuses an unknown host with its fingerprint and the hint', async () => {
    const file = knownHosts(`[127.0.0.1]:1 ${fx.sshd.hostKeyPub}\n`);
    const err = await tryConnect(fx.host({ knownHostsFiles: [file] }));
    expect(err).toBeInstanceOf(UnreachableError);
    const fp = fingerprintSha256(fx.sshd.hostKeyBlob);
    expect((err as Error).message).toBe(
      `unknown host key for 127.0.0.1:${fx.sshd.port} (ssh-ed25519 ${fp}); add it to known_hosts or run with --accept-new-host-keys`,
    );
  });

  it('refuses a CHANGED key (same type, other key) and names the known_hosts line', async () => {
    const file = knownHosts(`# first line\n[127.0.0.1]:${fx.sshd.port} ${other.hostKeyPub}\n`);
    const err = await tryConnect(fx.host({ knownHostsFiles: [file] }));
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toContain(
      `host key CHANGED for 127.0.0.1:${fx.sshd.port} (${fingerprintSha256(fx.sshd.hostKeyBlob)})`,
    );
    expect((err as Error).message).toContain(`${file}:2`);
  });

  it('refuses a @revoked key even when it is also listed as known', async () => {
    const file = knownHosts(`@revoked * ${fx.sshd.hostKeyPub}\n[127.0.0.1]:${fx.sshd.port} ${fx.sshd.hostKeyPub}\n`);
    const err = await tryConnect(fx.host({ knownHostsFiles: [file] }));
    expect((err as Error).message).toContain('REVOKED');
  });

  it('does not retry a host-key refusal', async () => {
    const t = createSshTransport({ connectAttempts: 3, retryBaseDelayMs: 2000 });
    const started = Date.now();
    await expectRejection(t.connect(fx.host({ knownHostsFiles: [knownHosts('')] })), UnreachableError);
    expect(Date.now() - started).toBeLessThan(1500);
    await t.closeAll();
  });
});

describe('--accept-new-host-keys', () => {
  it('records an unknown key in the first file, then trusts it', async () => {
    const first = knownHosts('# mine\n');
    const second = knownHosts('');
    const host = fx.host({ knownHostsFiles: [first, second] });
    expect(await tryConnect(host, true)).toBeUndefined();
    expect(readFileSync(first, 'utf8')).toBe(`# mine\n[127.0.0.1]:${fx.sshd.port} ${fx.sshd.hostKeyPub}\n`);
    expect(readFileSync(second, 'utf8')).toBe('');
    expect(await tryConnect(host, false)).toBeUndefined();
  });

  it('records a key once when several hosts connect at the same time', async () => {
    const file = knownHosts('');
    const errors = await Promise.all(
      ['a', 'b', 'c'].map((name) => tryConnect(fx.host({ knownHostsFiles: [file] }, { name }), true)),
    );
    expect(errors).toEqual([undefined, undefined, undefined]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('never replaces a changed key', async () => {
    const line = `[127.0.0.1]:${fx.sshd.port} ${other.hostKeyPub}\n`;
    const file = knownHosts(line);
    const err = await tryConnect(fx.host({ knownHostsFiles: [file] }), true);
    expect((err as Error).message).toContain('host key CHANGED');
    expect(readFileSync(file, 'utf8')).toBe(line);
  });
});

describe('bastion', () => {
  it('reaches the target through the jump host, each checked against its own name', async () => {
    const file = knownHosts(
      `[127.0.0.1]:${jump.port} ${jump.hostKeyPub}\n[127.0.0.1]:${fx.sshd.port} ${fx.sshd.hostKeyPub}\n`,
    );
    const bastion = sshTarget({ port: jump.port, identityFile: fx.identityFile, knownHostsFiles: [file] });
    const t = createSshTransport({ connectAttempts: 1 });
    try {
      const conn = await t.connect(fx.host({ knownHostsFiles: [file], bastion }));
      expect((await conn.run(['printf', 'via jump'])).stdout).toBe('via jump');
    } finally {
      await t.closeAll();
    }
  });

  it('refuses the target when only the bastion is known (the target is not checked under the bastion name)', async () => {
    const file = knownHosts(`[127.0.0.1]:${jump.port} ${jump.hostKeyPub}\n`);
    const bastion = sshTarget({ port: jump.port, identityFile: fx.identityFile, knownHostsFiles: [file] });
    const err = await tryConnect(fx.host({ knownHostsFiles: [file], bastion }));
    expect((err as Error).message).toContain(`unknown host key for 127.0.0.1:${fx.sshd.port}`);
  });

  it('fails when the bastion refuses tunnels (the route really goes through it)', async () => {
    const file = knownHosts(
      `[127.0.0.1]:${noForwarding.port} ${noForwarding.hostKeyPub}\n[127.0.0.1]:${fx.sshd.port} ${fx.sshd.hostKeyPub}\n`,
    );
    const bastion = sshTarget({ port: noForwarding.port, identityFile: fx.identityFile, knownHostsFiles: [file] });
    const err = await tryConnect(fx.host({ knownHostsFiles: [file], bastion }));
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toContain(`the bastion root@127.0.0.1:${noForwarding.port} could not open a tunnel`);
  });

  it('refuses an unknown bastion', async () => {
    const file = knownHosts(`[127.0.0.1]:${fx.sshd.port} ${fx.sshd.hostKeyPub}\n`);
    const bastion = sshTarget({ port: jump.port, identityFile: fx.identityFile, knownHostsFiles: [file] });
    const err = await tryConnect(fx.host({ knownHostsFiles: [file], bastion }));
    expect((err as Error).message).toContain(`unknown host key for 127.0.0.1:${jump.port}`);
  });
});

describe('authentication', () => {
  it('uses an encrypted key with the passphrase from the environment, and names a missing variable', async () => {
    const key = generateKey(fx.dir, 'id_encrypted', 'ed25519', 'correct horse');
    fx.sshd.setAuthorizedKeys([fx.publicKeyLine, key.publicKeyLine]);
    process.env.KCR_TEST_PASSPHRASE = 'correct horse';
    try {
      expect(
        await tryConnect(fx.host({ identityFile: key.privateKeyPath, passphraseEnv: 'KCR_TEST_PASSPHRASE' })),
      ).toBeUndefined();
      const missing = await tryConnect(
        fx.host({ identityFile: key.privateKeyPath, passphraseEnv: 'KCR_TEST_NO_SUCH_VAR' }),
      );
      expect((missing as Error).message).toBe('environment variable KCR_TEST_NO_SUCH_VAR (key passphrase) is not set');
      const none = await tryConnect(fx.host({ identityFile: key.privateKeyPath }));
      expect((none as Error).message).toContain('set passphraseEnv');
    } finally {
      delete process.env.KCR_TEST_PASSPHRASE;
    }
  });

  it('uses ssh-agent (no key file)', async () => {
    const socket = join(fx.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', [fx.identityFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      expect(await tryConnect(fx.host({ identityFile: undefined, agentSocket: socket }))).toBeUndefined();
    } finally {
      agent.kill();
    }
  });

  it('uses a PEM RSA key', async () => {
    const key = generateKey(fx.dir, 'id_rsa_pem', 'rsa', '', 'PEM');
    fx.sshd.setAuthorizedKeys([fx.publicKeyLine, key.publicKeyLine]);
    expect(readFileSync(key.privateKeyPath, 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    expect(await tryConnect(fx.host({ identityFile: key.privateKeyPath }))).toBeUndefined();
  });

  it('reports an unreadable key file and a rejected key as unreachable, naming the host', async () => {
    const unreadable = await tryConnect(fx.host({ identityFile: join(fx.dir, 'no-such-key') }));
    expect(unreadable).toBeInstanceOf(UnreachableError);
    expect((unreadable as Error).message).toBe(`cannot read identity file ${join(fx.dir, 'no-such-key')}: ENOENT`);
    const stranger = generateKey(fx.dir, 'id_stranger');
    const rejected = await tryConnect(fx.host({ identityFile: stranger.privateKeyPath }));
    expect(rejected).toBeInstanceOf(UnreachableError);
    expect((rejected as UnreachableError).oneLine()).toMatch(
      /^\[test\/node-\d+\] cannot connect to node-\d+ \(root@127\.0\.0\.1:\d+\): authentication failed/,
    );
  });
});
