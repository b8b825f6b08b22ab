// A module's view of a host: its connection bound to the module's step and to `become`, with the
// one way to run a constant script (`sh -c <script> sh <args...>`) and a StepError helper, so a
// module never repeats its own name or the exit-code check.
import { StepError } from '../errors.js';
import { tail } from '../transport/output-tail.js';
import type { Host } from '../inventory/types.js';
import type { Connection, ExecResult } from '../transport/types.js';

export interface RemoteOptions {
  /** Default 60 000 ms (the transport's). */
  timeoutMs?: number;
  /** A finer step name for logs and errors (e.g. "kubeadm_renew verify"); default: the module's. */
  step?: string;
  /** Written to the command's stdin, which is then closed. */
  stdin?: string;
}

export interface Remote {
  readonly host: Host;
  /** Runs argv as root (become); a non-zero exit is returned, not thrown. */
  exec(argv: readonly string[], opts?: RemoteOptions): Promise<ExecResult>;
  /** Runs `sh -c <script> sh <args...>` as root: the script is a constant of ours, args are data. */
  sh(script: string, args?: readonly string[], opts?: RemoteOptions): Promise<ExecResult>;
  /** Like sh, but a non-zero exit is a StepError with stderr's tail. */
  shOk(script: string, args?: readonly string[], opts?: RemoteOptions): Promise<ExecResult>;
  readFile(path: string, opts?: RemoteOptions): Promise<Buffer>;
  upload(localPath: string, remotePath: string, mode: number): Promise<void>;
  /** A StepError naming this host and the step. */
  fail(message: string, hint?: string, step?: string): StepError;
}

export function createRemote(conn: Connection, step: string): Remote {
  const fail = (message: string, hint?: string, at = step): StepError =>
    new StepError(message, { cluster: conn.host.cluster, host: conn.host.name, step: at }, hint);
  const sh = (script: string, args: readonly string[] = [], opts: RemoteOptions = {}): Promise<ExecResult> =>
    conn.exec(['sh', '-c', script, 'sh', ...args], { become: true, step, ...opts });
  return {
    host: conn.host,
    exec: (argv, opts = {}) => conn.exec(argv, { become: true, step, ...opts }),
    sh,
    async shOk(script, args = [], opts = {}) {
      const res = await sh(script, args, opts);
      if (res.exitCode !== 0)
        throw fail(
          `exited ${res.exitCode ?? res.signal}: ${tail(res.stderr || res.stdout)}`,
          undefined,
          opts.step ?? step,
        );
      return res;
    },
    readFile: (path, opts = {}) => conn.readFile(path, { become: true, step, ...opts }),
    upload: (localPath, remotePath, mode) => conn.upload(localPath, remotePath, { mode, become: true, step }),
    fail,
  };
}

// One tail for the transport's messages and the modules' (modules import it from here).
export { tail } from '../transport/output-tail.js';
