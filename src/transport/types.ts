// The one way to talk to a host. Commands are argv arrays; the transport quotes every element with
// one function (`quote.ts`) before it reaches the remote shell. Where a pipeline is unavoidable, use
// `sh -c <constant script> sh <args...>`: the script is a literal in our code, values are positional
// parameters, never spliced into the script. argv[0] must be an executable, not a shell builtin:
// commands run under the remote `timeout` (see launch.ts). The implementation: ssh-transport.ts.
import type { Host } from '../inventory/types.js';

export interface ExecOptions {
  /** Kill the remote command and fail after this long. Default 60 000 ms. */
  timeoutMs?: number;
  /** Run through sudo when the host's `become` is enabled and the user is not root. */
  become?: boolean;
  /** Bytes written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
  /** Name of the step, for error context and logs. */
  step?: string;
  /** Cancels the command (the remote process is killed). */
  signal?: AbortSignal;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when the command died of a signal. */
  exitCode: number | null;
  /** Signal name (e.g. 'KILL') when the remote command died of one. */
  signal?: string;
  durationMs: number;
}

export interface WriteFileOptions {
  /** File mode, e.g. 0o600. When the file exists and mode is not given, its mode is kept; a new
   *  file without a mode gets 0600. A symlink is written through (its target is replaced). */
  mode?: number;
  /** Owner user and group names; when the file exists and these are not given, they are kept
   *  (numerically). A new file belongs to the user the command runs as. */
  owner?: string;
  group?: string;
  become?: boolean;
  step?: string;
}

export interface Connection {
  readonly host: Host;
  /** Runs argv. A non-zero exit is returned, not thrown. Throws UnreachableError when the
   *  connection is lost, StepError on timeout or a missing exit status. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit throws StepError naming the host, the step and stderr's tail. */
  run(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Reads a (small) remote file through exec. */
  readFile(path: string, opts?: { become?: boolean; step?: string }): Promise<Buffer>;
  /** Writes atomically: a temp file beside the target, then rename. */
  writeFile(path: string, data: string | Buffer, opts?: WriteFileOptions): Promise<void>;
  /** Streams a large local file to the remote path (atomic, like writeFile). */
  upload(localPath: string, remotePath: string, opts?: WriteFileOptions): Promise<void>;
  close(): Promise<void>;
}

export interface Transport {
  /** Connects (or returns the live connection) to a host; retries with backoff; throws
   *  UnreachableError (with the host named) when it cannot. */
  connect(host: Host): Promise<Connection>;
  closeAll(): Promise<void>;
}
