// The confirmation asked before a run that may change hosts (after the plan: report/changes.ts).
import { createInterface } from 'node:readline/promises';
import type { CliIo } from './io.js';

/** Asks on the terminal; only "y" or "yes" proceeds. */
export async function askYesNo(question: string, io: CliIo): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    const answer = await rl.question(`${question} [y/N] `, io.signal ? { signal: io.signal } : {});
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch {
    return false;
  } finally {
    rl.close();
  }
}
