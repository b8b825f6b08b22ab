// How every remote command starts, and what its stdin and stderr see while it starts.
//
//   exec [sudo ... --] sh -c '<print marker and $$>; exec "$@"' <marker> timeout -s KILL -k 2 <s> <argv>
//
// - The marker line on stderr (stripped from the output) tells us the command started, past sudo,
//   and the PID of `timeout`, which leads its own process group: killing that group (a second
//   command, see ssh-connection.ts) stops the command on any server, whatever the login user.
//   (The SSH `signal` request is no use: OpenSSH ignores it for root sessions and before 7.9.)
// - `timeout` is the backstop: it KILLs the command's group on its own when the connection is gone.
// - With a sudo password, the password is written to stdin only when sudo's unique prompt shows,
//   and the caller's stdin only after the marker, so a cached sudo timestamp or a NOPASSWD rule never
//   leaks the password into the command's stdin. A second prompt means the password was rejected.
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import type { BecomePlan, SudoPassword } from './become.js';
import { NODE_SCRIPTS } from './embedded.gen.js';
import { shellCommand } from './quote.js';

/** launch.sh: prints "$0 $$" (marker and PID) to stderr, then becomes its arguments. */
const LAUNCH_SCRIPT = NODE_SCRIPTS['launch.sh'];
/** After a forwarded TERM, `timeout` sends KILL this long later. */
const KILL_AFTER_SECONDS = 2;

export interface StdinFeeder {
  /** Called once the channel is open. `fail` aborts the command with a message (no secrets). */
  start(channel: ClientChannel, fail: (message: string) => void): void;
  /** Sees each stderr chunk; returns the bytes to keep in the captured stderr. */
  filterStderr(chunk: Buffer): Buffer;
  /** At the end: bytes held back by filterStderr that belong to stderr. */
  flush(): Buffer;
  /** Resolves with the PID of the remote process group leader once the command started. */
  readonly started: Promise<number>;
}

export interface Launch {
  command: string;
  feeder: StdinFeeder;
}

export function launch(
  argv: readonly string[],
  opts: { remoteTimeoutMs: number; become: BecomePlan; stdin?: string | Buffer },
): Launch {
  const marker = `kcr-started-${randomBytes(9).toString('hex')}`;
  const seconds = (opts.remoteTimeoutMs / 1000).toFixed(3);
  const full = [
    ...opts.become.prefix,
    ...['sh', '-c', LAUNCH_SCRIPT, marker],
    ...['timeout', '-s', 'KILL', '-k', String(KILL_AFTER_SECONDS), seconds],
    ...argv,
  ];
  return { command: `exec ${shellCommand(full)}`, feeder: new LaunchWatcher(marker, opts.stdin, opts.become.password) };
}

class LaunchWatcher implements StdinFeeder {
  private readonly markerRe: RegExp;
  private readonly prompt: Buffer | undefined;
  private pending = Buffer.alloc(0);
  private promptsSeen = 0;
  private searchFrom = 0;
  private isStarted = false;
  private resolveStarted: (pid: number) => void = () => {};
  readonly started = new Promise<number>((resolve) => {
    this.resolveStarted = resolve;
  });
  private channel: ClientChannel | undefined;
  private fail: (message: string) => void = () => {};

  constructor(
    marker: string,
    private readonly stdin: string | Buffer | undefined,
    private readonly password: SudoPassword | undefined,
  ) {
    this.markerRe = new RegExp(`${marker} (\\d+)\\n`);
    this.prompt = password ? Buffer.from(password.prompt) : undefined;
  }

  start(channel: ClientChannel, fail: (message: string) => void): void {
    this.channel = channel;
    this.fail = fail;
    // Without a password nothing reads stdin before the command: it can go now.
    if (!this.password) this.writeStdin();
  }

  filterStderr(chunk: Buffer): Buffer {
    if (this.isStarted) return chunk;
    this.pending = Buffer.concat([this.pending, chunk]);
    if (this.answerPrompts() === 'rejected') return Buffer.alloc(0);
    // latin1 keeps byte offsets equal to string offsets.
    const match = this.markerRe.exec(this.pending.toString('latin1'));
    if (!match) return Buffer.alloc(0);
    this.isStarted = true;
    this.resolveStarted(Number(match[1]));
    const before = this.withoutPrompts(this.pending.subarray(0, match.index));
    const after = this.pending.subarray(match.index + match[0].length);
    this.pending = Buffer.alloc(0);
    if (this.password) this.writeStdin();
    return Buffer.concat([before, after]);
  }

  flush(): Buffer {
    const rest = this.withoutPrompts(this.pending);
    this.pending = Buffer.alloc(0);
    return rest;
  }

  private writeStdin(): void {
    if (this.stdin !== undefined && this.stdin.length > 0) this.channel?.write(this.stdin);
    this.channel?.end();
  }

  private answerPrompts(): 'ok' | 'rejected' {
    if (!this.prompt || !this.password) return 'ok';
    for (
      let at = this.pending.indexOf(this.prompt, this.searchFrom);
      at !== -1;
      at = this.pending.indexOf(this.prompt, this.searchFrom)
    ) {
      this.searchFrom = at + this.prompt.length;
      this.promptsSeen += 1;
      if (this.promptsSeen > 1) {
        this.fail(`sudo rejected the password from environment variable ${this.password.env}`);
        return 'rejected';
      }
      this.channel?.write(`${this.password.value}\n`);
    }
    return 'ok';
  }

  private withoutPrompts(data: Buffer): Buffer {
    if (!this.prompt) return data;
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = data.indexOf(this.prompt); at !== -1; at = data.indexOf(this.prompt, from)) {
      parts.push(data.subarray(from, at));
      from = at + this.prompt.length;
    }
    parts.push(data.subarray(from));
    return Buffer.concat(parts);
  }
}
