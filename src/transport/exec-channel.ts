// Runs one command on one SSH channel: stdout and stderr captured separately (both always consumed,
// or ssh2 never emits `close`), the exit code or signal, a local deadline, cancellation and an
// output cap. On timeout or abort the remote process group is killed through `kill` (a separate
// command, given by the connection) before the error is thrown, then the channel is closed; the
// remote `timeout` wrapper (launch.ts) is the backstop when that cannot run.
import type { Client, ClientChannel } from 'ssh2';
import { KcrError, StepError, UnreachableError, type ErrorContext } from '../errors.js';
import type { StdinFeeder } from './launch.js';

export interface ChannelRunOptions {
  command: string;
  feeder: StdinFeeder;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Per stream; more output fails the command (protects memory). */
  maxOutputBytes: number;
  context: ErrorContext;
  /** Non-undefined once the connection is gone: a channel closing without exit status then means
   *  "unreachable", not "the server sent no exit status". */
  connectionLost: () => Error | undefined;
  /** Kills the remote process group led by `pid`. */
  kill?: (pid: number) => Promise<void>;
}

/** How long a kill may take before the error is thrown anyway. */
const KILL_WAIT_MS = 5000;
/** How long to wait for a start marker still on its way when the command must be killed. */
const MARKER_WAIT_MS = 1000;

export interface RawExecResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number | null;
  signal?: string;
  durationMs: number;
}

class Capture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  /** False when the cap is exceeded. */
  add(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.limit) return false;
    this.chunks.push(chunk);
    return true;
  }
  result(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function runChannel(client: Client, opts: ChannelRunOptions): Promise<RawExecResult> {
  const { context } = opts;
  const startedAt = Date.now();
  return new Promise<RawExecResult>((resolve, reject) => {
    let settled = false;
    let stopping = false;
    let channel: ClientChannel | undefined;
    const finish = (err: Error | undefined, result?: RawExecResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(result as RawExecResult);
    };
    /** Kills the remote command (if it started), closes the channel, then fails with `err`. */
    const stop = (err: Error) => {
      if (settled || stopping) return;
      stopping = true;
      clearTimeout(timer);
      // The start marker may still be on its way: wait for it (bounded) to learn whom to kill.
      const kill = opts.kill;
      const killed =
        kill && channel
          ? withDeadline(opts.feeder.started, MARKER_WAIT_MS).then((pid) =>
              pid === undefined ? undefined : withDeadline(kill(pid), KILL_WAIT_MS),
            )
          : Promise.resolve();
      void killed.then(() => {
        try {
          channel?.close();
        } catch {
          // the connection is already gone
        }
        finish(err);
      });
    };
    const onAbort = () => stop(new KcrError('interrupted', 'cancelled; the remote command was killed', context));
    const timer = setTimeout(
      () => stop(new StepError(`timed out after ${opts.timeoutMs} ms; the remote command was killed`, context)),
      opts.timeoutMs,
    );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const lostError = (cause: unknown) =>
      new UnreachableError('connection lost during the command', context, undefined, { cause });

    const onOpen = (err: Error | undefined, ch: ClientChannel) => {
      if (err) {
        if (opts.connectionLost()) return finish(lostError(err));
        return finish(
          new StepError(`the server refused to start the command: ${err.message}`, context, undefined, { cause: err }),
        );
      }
      if (settled) {
        ch.close();
        return;
      }
      channel = ch;
      const stdout = new Capture(opts.maxOutputBytes);
      const stderr = new Capture(opts.maxOutputBytes);
      const tooMuch = (stream: string) =>
        stop(
          new StepError(
            `the command wrote more than ${opts.maxOutputBytes} bytes to ${stream}; it was killed`,
            context,
          ),
        );
      let exitCode: number | null | undefined;
      let exitSignal: string | undefined;
      ch.on('data', (chunk: Buffer) => {
        if (!stdout.add(chunk)) tooMuch('stdout');
      });
      ch.stderr.on('data', (chunk: Buffer) => {
        if (!stderr.add(opts.feeder.filterStderr(chunk))) tooMuch('stderr');
      });
      ch.on('exit', (code: number | null, signalName?: string) => {
        exitCode = code;
        if (code === null && signalName) exitSignal = signalName.replace(/^SIG/, '');
      });
      // Writing stdin to a channel the server already closed raises EPIPE-like errors: the exit
      // status (or its absence) is what counts.
      ch.on('error', () => {});
      ch.on('close', () => {
        if (stopping) return;
        stderr.add(opts.feeder.flush());
        const lost = opts.connectionLost();
        if (exitCode === undefined) {
          if (lost) return finish(lostError(lost));
          return finish(new StepError('the server sent no exit status for the command', context));
        }
        finish(undefined, {
          stdout: stdout.result(),
          stderr: stderr.result(),
          exitCode,
          ...(exitSignal ? { signal: exitSignal } : {}),
          durationMs: Date.now() - startedAt,
        });
      });
      opts.feeder.start(ch, (message) => stop(new StepError(message, context)));
    };
    try {
      client.exec(opts.command, onOpen);
    } catch (err) {
      finish(lostError(err));
    }
  });
}

/** The value of `p`, or undefined when it rejects or takes longer than `ms`. */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    p.then(
      (value) => resolve(value),
      () => resolve(undefined),
    ).finally(() => clearTimeout(timer));
  });
}
