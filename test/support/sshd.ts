// A real OpenSSH server on loopback for tests: `startSshd()` writes a config, a host key and an
// authorized_keys file to a temp folder and runs `/usr/sbin/sshd -D` on a free port. Needs root
// (it serves any local user). Every server started is killed when the test process exits, even
// after a failure.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SshdOptions {
  /** Default: a free port. */
  port?: number;
  /** authorized_keys lines (used for every user, root included). */
  authorizedKeys?: string[];
  hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
  /** A host key made beforehand with generateKey (so known_hosts can be written first). */
  hostKey?: { privateKeyPath: string; publicKeyLine: string };
  /** Extra sshd_config lines (they win over the defaults). */
  extraConfig?: string[];
}

export interface SshdHandle {
  port: number;
  dir: string;
  /** `keytype base64`, as in a .pub file without the comment. */
  hostKeyPub: string;
  hostKeyType: string;
  /** The raw public key blob the server presents. */
  hostKeyBlob: Buffer;
  /** The tail of sshd's log (stderr). */
  log(): string;
  /** Replaces the authorized_keys lines. */
  setAuthorizedKeys(lines: string[]): void;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A temp folder that other local users may traverse (sshd reads authorized_keys as the user). */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** Generates an OpenSSH key pair with ssh-keygen; returns the private key path and the .pub line. */
export function generateKey(
  dir: string,
  name: string,
  type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519',
  passphrase = '',
  format?: 'PEM',
): { privateKeyPath: string; publicKeyLine: string } {
  const privateKeyPath = join(dir, name);
  const args = ['-q', '-t', type, '-N', passphrase, '-C', name, '-f', privateKeyPath];
  if (type === 'rsa') args.push('-b', '2048');
  if (format) args.push('-m', format);
  execFileSync('ssh-keygen', args);
  const publicKeyLine = readFileSync(`${privateKeyPath}.pub`, 'utf8').trim();
  return { privateKeyPath, publicKeyLine };
}

function waitForBanner(port: number, deadlineMs: number, child: ChildProcess, log: () => string): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tryOnce = () => {
      if (child.exitCode !== null) return reject(new Error(`sshd exited with ${child.exitCode}: ${log()}`));
      const socket = connect(port, '127.0.0.1');
      socket.once('data', (data) => {
        socket.destroy();
        if (data.toString().startsWith('SSH-')) resolve();
        else retry();
      });
      socket.once('error', () => retry());
    };
    const retry = () => {
      if (Date.now() - started > deadlineMs) reject(new Error(`sshd did not start on port ${port}: ${log()}`));
      else setTimeout(tryOnce, 50);
    };
    tryOnce();
  });
}

export async function startSshd(opts: SshdOptions = {}): Promise<SshdHandle> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation folder
  const dir = makeTempDir('kcr-sshd-');
  const hostKey =
    opts.hostKey ?? generateKey(dir, `host_${opts.hostKeyType ?? 'ed25519'}`, opts.hostKeyType ?? 'ed25519');
  const authorizedKeysPath = join(dir, 'authorized_keys');
  const setAuthorizedKeys = (lines: string[]) => {
    writeFileSync(authorizedKeysPath, lines.map((l) => `${l}\n`).join(''));
    chmodSync(authorizedKeysPath, 0o644);
  };
  setAuthorizedKeys(opts.authorizedKeys ?? []);
  const port = opts.port ?? (await freePort());
  const configPath = join(dir, 'sshd_config');
  writeFileSync(
    configPath,
    [
      // sshd keeps the first value of a keyword: the caller's lines come first.
      ...(opts.extraConfig ?? []),
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey.privateKeyPath}`,
      'PidFile none',
      'StrictModes no',
      `AuthorizedKeysFile ${authorizedKeysPath}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'AllowTcpForwarding yes',
      'PrintMotd no',
      'LogLevel ERROR',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  let log = '';
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configPath, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  running.add(child);
  const stop = async () => {
    running.delete(child);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForBanner(port, 10_000, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  const [type = '', base64 = ''] = hostKey.publicKeyLine.split(' ');
  return {
    port,
    dir,
    hostKeyPub: `${type} ${base64}`,
    hostKeyType: type,
    hostKeyBlob: Buffer.from(base64, 'base64'),
    log: () => log,
    setAuthorizedKeys,
    stop,
  };
}
