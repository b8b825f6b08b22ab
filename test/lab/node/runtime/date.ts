// The date shim: GNU date with the node's clock skew (faults.json clockSkewSeconds) applied to
// "now". An explicit time (-d/--date, -r/--reference, -f/--file) is passed through; -s/--set is refused.
import { spawnSync } from 'node:child_process';
import { readFaults } from '../common/node-config.js';

const realDate = '/bin/date';

/** The options an argument holds: its long name, or its short letters up to one taking a value. */
function options(arg: string): string[] {
  if (arg.startsWith('--')) return [arg.slice(2).split('=')[0] ?? ''];
  if (!arg.startsWith('-') || arg === '-') return [];
  const letters: string[] = [];
  for (const letter of arg.slice(1)) {
    letters.push(letter);
    if ('dfrsI'.includes(letter)) break; // the rest of the argument is this option's value
  }
  return letters;
}

const timeOptions = new Set(['d', 'f', 'r', 's', 'date', 'file', 'reference', 'set']);
const setOptions = new Set(['s', 'set']);

function main(argv: string[]): number {
  // Setting the clock would set the host's (nodes have no time namespace): refuse as an unprivileged date does.
  const given = argv.flatMap(options);
  if (given.some((o) => setOptions.has(o))) {
    process.stderr.write('date: cannot set date: Operation not permitted\n');
    return 1;
  }
  const skewSeconds = Number(readFaults().clockSkewSeconds ?? 0);
  let args = argv;
  if (skewSeconds && !given.some((o) => timeOptions.has(o))) {
    const nowMs = Date.now();
    const seconds = Math.floor(nowMs / 1000) + Math.trunc(skewSeconds);
    args = ['-d', `@${seconds}.${String(nowMs % 1000).padStart(3, '0')}`, ...argv];
  }
  const result = spawnSync(realDate, args, { stdio: 'inherit' });
  return result.status ?? 1;
}

process.exitCode = main(process.argv.slice(2));
