// Running the constant node scripts (src/kube/node-scripts.ts) through the one exec function.
import type { Connection, ExecOptions, ExecResult } from '../../transport/types.js';
import { StepError } from '../../errors.js';
import { tail } from '../../transport/output-tail.js';

/** Runs `sh -c <script> sh <args...>`; the script is a literal of ours, args are data. */
export function runScript(conn: Connection, script: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return conn.exec(['sh', '-c', script, 'sh', ...args], { become: true, ...opts });
}

/** Like runScript, but a non-zero exit is a StepError with stderr's tail. */
export async function runScriptOk(conn: Connection, script: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const res = await runScript(conn, script, args, opts);
  if (res.exitCode !== 0) {
    throw new StepError(`exited ${res.exitCode ?? res.signal}: ${tail(res.stderr || res.stdout)}`, {
      cluster: conn.host.cluster,
      host: conn.host.name,
      step: opts.step,
    });
  }
  return res;
}

// One tail for the transport's messages and the modules' (imported from here by the modules).
export { tail } from '../../transport/output-tail.js';
