// One live SSH connection to one host: every step's commands, file reads and writes go through it.
// Commands start as described in launch.ts (sudo, start marker, remote `timeout` backstop); on a
// timeout or an abort the command's process group is killed by a second command on the same
// connection (as the same user, through sudo when the command was). argv[0] must be an executable,
// not a shell builtin (use `sh -c '<constant script>' sh args...`).
import { randomBytes } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { Client, SFTPWrapper } from 'ssh2';
import { StepError, UnreachableError, type ErrorContext } from '../errors.js';
import type { Host } from '../inventory/types.js';
import { needsBecome, planBecome } from './become.js';
import { NODE_SCRIPTS } from './embedded.gen.js';
import { runChannel, type RawExecResult } from './exec-channel.js';
import { launch } from './launch.js';
import { tail } from './output-tail.js';
import type { Connection, ExecOptions, ExecResult, WriteFileOptions } from './types.js';

export interface ConnectionSettings {
  defaultTimeoutMs: number;
  /** Concurrent channels (commands, SFTP sessions) on this connection; OpenSSH refuses the 11th. */
  maxChannels: number;
  maxOutputBytes: number;
  logger: Logger;
}

/** Extra time the remote `timeout` gives a command beyond the local deadline: locally we kill first
 *  (and report a timeout, not an exit status 137). */
const REMOTE_GRACE_MS = 2000;
/** kill-group.sh. Args: <pid>. Signals a command's process group: TERM, and `timeout` follows with KILL 2 s later. */
const KILL_SCRIPT = NODE_SCRIPTS['kill-group.sh'];

/** install-file.sh. Args: <target> <temp suffix> <mode> <owner> <group> <staged upload>. Installs
 *  stdin (or the staged upload) as the target atomically, keeping an existing file's mode and owner. */
const INSTALL_SCRIPT = NODE_SCRIPTS['install-file.sh'];

function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

export class SshConnection implements Connection {
  private readonly limit: LimitFunction;
  private lost: Error | undefined;

  constructor(
    readonly host: Host,
    private readonly client: Client,
    private readonly settings: ConnectionSettings,
  ) {
    this.limit = pLimit(settings.maxChannels);
    const markLost = (err?: Error) => {
      this.lost ??= err ?? new Error('connection closed');
    };
    client.on('error', markLost);
    client.on('end', () => markLost());
    client.on('close', () => markLost());
  }

  private context(step?: string): ErrorContext {
    return { cluster: this.host.cluster, host: this.host.name, ...(step ? { step } : {}) };
  }

  /** exec with Buffers: the one place a remote command line is built. */
  execRaw(argv: readonly string[], opts: ExecOptions = {}): Promise<RawExecResult> {
    return this.limit(() => this.execNow(argv, opts));
  }

  /** Runs without waiting for a channel slot (used for kills: the slots may all be taken by the
   *  commands to kill; OpenSSH's limit leaves room above ours). */
  private async execNow(argv: readonly string[], opts: ExecOptions): Promise<RawExecResult> {
    const context = this.context(opts.step);
    if (this.lost) throw new UnreachableError('connection lost', context, undefined, { cause: this.lost });
    const timeoutMs = opts.timeoutMs ?? this.settings.defaultTimeoutMs;
    const { command, feeder } = launch(argv, {
      remoteTimeoutMs: timeoutMs + REMOTE_GRACE_MS,
      become: planBecome(this.host, opts.become, context),
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
    });
    const result = await runChannel(this.client, {
      command,
      feeder,
      timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      maxOutputBytes: this.settings.maxOutputBytes,
      context,
      connectionLost: () => this.lost,
      kill: async (pid) => {
        const killed = await this.execNow(['sh', '-c', KILL_SCRIPT, 'sh', String(pid)], {
          timeoutMs: 5000,
          ...(opts.become !== undefined ? { become: opts.become } : {}),
          ...(opts.step ? { step: opts.step } : {}),
        });
        if (killed.exitCode !== 0) {
          this.settings.logger.warn(
            { host: this.host.name, step: opts.step, pid, stderr: killed.stderr.toString() },
            'could not kill the remote command',
          );
        }
      },
    });
    // argv may hold values a module considers sensitive: log the program only.
    this.settings.logger.debug(
      {
        host: this.host.name,
        step: opts.step,
        program: argv[0],
        exitCode: result.exitCode,
        signal: result.signal,
        durationMs: result.durationMs,
      },
      'command finished',
    );
    return result;
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const raw = await this.execRaw(argv, opts);
    return {
      stdout: raw.stdout.toString('utf8'),
      stderr: raw.stderr.toString('utf8'),
      exitCode: raw.exitCode,
      ...(raw.signal ? { signal: raw.signal } : {}),
      durationMs: raw.durationMs,
    };
  }

  async run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.exec(argv, opts);
    this.assertSucceeded(argv[0] ?? '', result, opts.step);
    return result;
  }

  private assertSucceeded(
    what: string,
    result: { exitCode: number | null; signal?: string; stderr: string | Buffer },
    step?: string,
  ): void {
    if (result.exitCode === 0) return;
    const how =
      result.exitCode === null
        ? `was killed by signal ${result.signal ?? '(unknown)'}`
        : `exited with ${result.exitCode}`;
    const stderr = tail(result.stderr.toString());
    throw new StepError(`${what} ${how}${stderr ? `: ${stderr}` : ''}`, this.context(step));
  }

  async readFile(path: string, opts: { become?: boolean; step?: string } = {}): Promise<Buffer> {
    const result = await this.execRaw(['cat', '--', path], opts);
    this.assertSucceeded(`reading ${path}:`, result, opts.step);
    return result.stdout;
  }

  async writeFile(path: string, data: string | Buffer, opts: WriteFileOptions = {}): Promise<void> {
    await this.install(path, { ...opts, stdin: data });
  }

  private async install(
    path: string,
    opts: WriteFileOptions & { stdin?: string | Buffer; stagedFile?: string },
  ): Promise<void> {
    const args = [
      path,
      randomSuffix(),
      opts.mode === undefined ? '' : opts.mode.toString(8),
      opts.owner ?? '',
      opts.group ?? '',
      opts.stagedFile ?? '',
    ];
    const result = await this.execRaw(['sh', '-c', INSTALL_SCRIPT, 'sh', ...args], {
      ...(opts.become !== undefined ? { become: opts.become } : {}),
      ...(opts.step ? { step: opts.step } : {}),
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
    });
    this.assertSucceeded(`writing ${path}:`, result, opts.step);
  }

  /** SFTP as the login user to a staging file (beside the target, or in /tmp when sudo must move
   *  it), then the same atomic install as writeFile. */
  async upload(localPath: string, remotePath: string, opts: WriteFileOptions = {}): Promise<void> {
    const staged = needsBecome(this.host, opts.become)
      ? `/tmp/kcr-upload-${randomSuffix()}`
      : `${remotePath}.kcr-upload-${randomSuffix()}`;
    const context = this.context(opts.step);
    await this.withSftp(
      context,
      (sftp) =>
        new Promise<void>((resolve, reject) => {
          sftp.fastPut(localPath, staged, { mode: 0o600 }, (err) => {
            if (!err) return resolve();
            sftp.unlink(staged, () =>
              reject(
                new StepError(`cannot upload ${localPath} to ${staged}: ${err.message}`, context, undefined, {
                  cause: err,
                }),
              ),
            );
          });
        }),
    );
    try {
      await this.install(remotePath, { ...opts, stagedFile: staged });
    } catch (err) {
      // The script removes the staged file itself; this covers a script that never started.
      await this.withSftp(
        context,
        (sftp) => new Promise<void>((resolve) => sftp.unlink(staged, () => resolve())),
      ).catch(() => {});
      throw err;
    }
  }

  /** Opens an SFTP session in a channel slot and closes it (waiting for the close) after `job`. */
  private withSftp(context: ErrorContext, job: (sftp: SFTPWrapper) => Promise<void>): Promise<void> {
    return this.limit(async () => {
      if (this.lost) throw new UnreachableError('connection lost', context, undefined, { cause: this.lost });
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
        this.client.sftp((err, s) =>
          err
            ? reject(new StepError(`cannot start SFTP: ${err.message}`, context, undefined, { cause: err }))
            : resolve(s),
        );
      });
      // Resolves when the SFTP channel closes, or the whole connection does.
      const closed = new Promise<void>((resolve) => {
        const done = () => {
          this.client.removeListener('close', done);
          resolve();
        };
        sftp.once('close', done);
        this.client.once('close', done);
      });
      try {
        await job(sftp);
      } finally {
        sftp.end();
        await closed;
      }
    });
  }

  close(): Promise<void> {
    return endClient(this.client);
  }
}

const closedClients = new WeakSet<Client>();

/** Remembers when a ready client closes, so endClient never waits for a `close` already past. */
export function trackClose(client: Client): void {
  client.once('close', () => closedClients.add(client));
}

/** Ends a client and waits until its socket is closed. */
export function endClient(client: Client): Promise<void> {
  if (closedClients.has(client)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    client.once('close', () => resolve());
    client.end();
  });
}
