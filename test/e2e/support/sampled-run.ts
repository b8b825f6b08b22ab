// A run of the tool while `lab status` is sampled, with the two checks every such run makes: the
// exit code it ends with, and the invariants (etcd quorum, at most one API server down) at every
// sampled moment.
import { expect } from 'vitest';
import { sampleWhile, type Lab, type LabStatus, type RunResult } from './lab.js';
import { invariantViolations } from './node-files.js';

export interface SampledRun {
  result: RunResult;
  samples: LabStatus[];
}

/** Samples `lab status` every `intervalMs` while `run` runs; expects exit `code` and no invariant broken. */
export async function expectSampled(
  lab: Lab,
  run: Promise<RunResult>,
  code: number,
  intervalMs = 1000,
): Promise<SampledRun> {
  const { result, samples } = await sampleWhile(lab, run, intervalMs);
  expect(result.code, result.stderr.slice(-3000)).toBe(code);
  expect(invariantViolations(samples)).toEqual([]);
  return { result, samples };
}

/** `renew` (the default command) on the lab's inventory with `--yes --json` and `args`, sampled as above. */
export function renewSampled(lab: Lab, args: string[], code: number, intervalMs = 1000): Promise<SampledRun> {
  return expectSampled(lab, lab.tool(['--inventory', lab.inventory, '--yes', '--json', ...args]), code, intervalMs);
}
