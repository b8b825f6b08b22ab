// The lab's `ssh-drop-during <step>` fault (faults.json `sshDropDuring`): the node program running
// the named step of the tool cuts the SSH session it was started from, at a known point of that
// step, so a test can drop the connection DURING a step without racing a timer. One shot: the fault
// is consumed when it fires. The session is cut as a network failure would: every sshd process
// between this program and the listener (the privileged monitor and the user's session process) is
// SIGKILLed; the listener stays, so new logins work. Programs started by the session are not killed
// (no pty, no SIGHUP): like real ones, they run on until they write to the closed channel.
import fs from 'node:fs';
import path from 'node:path';
import { nodePaths } from './paths.js';
import { readFaults, writeFaults } from './node-config.js';

export const sessionDropSteps = ['backup', 'renew', 'kubeconfig', 'restart'] as const;
export type SessionDropStep = (typeof sessionDropSteps)[number];

function stat(pid: number): { comm: string; state: string; ppid: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may hold spaces; the fields after the last ')' are fixed.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const [state = '', ppid] = text.slice(close + 2).split(' ');
    return { comm, state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

function listenerPid(): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(nodePaths.labDir, 'sshd.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The sshd processes of this program's session (its sshd ancestors below the listener). */
export function sessionSshdPids(): number[] {
  const listener = listenerPid();
  const found: number[] = [];
  for (let pid = process.ppid, hops = 0; pid > 1 && hops < 64; hops++) {
    const s = stat(pid);
    if (!s) break;
    if (s.comm === 'sshd' && pid !== listener) {
      // Without a pid file, the topmost sshd (whose parent is no sshd) is the listener.
      if (listener === undefined && stat(s.ppid)?.comm !== 'sshd') break;
      found.push(pid);
    }
    pid = s.ppid;
  }
  return found;
}

/** When faults.json says to drop the session during `step`: consumes the fault, kills the
 *  session's sshd processes and waits (bounded) until they are gone. Returns whether it did. */
export function dropSessionIfFaulted(step: SessionDropStep): boolean {
  const faults = readFaults();
  if (faults.sshDropDuring !== step) return false;
  delete faults.sshDropDuring;
  writeFaults(faults);
  const pids = sessionSshdPids();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && pids.some((pid) => (stat(pid)?.state ?? 'Z') !== 'Z')) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  process.stderr.write(`kcrlab: ssh-drop-during ${step}: killed sshd ${pids.join(', ') || '(none found)'}\n`);
  return pids.length > 0;
}
