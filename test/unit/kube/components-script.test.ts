// CLOCK_THEN_EXEC_SCRIPT run for real (sh, date): the clock first, then the command; a clock that
// is not a number stops it before the command (restart_control_plane must never remove a container
// whose removal it cannot date).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_THEN_EXEC_SCRIPT } from '../../../src/kube/scripts/components.js';
import { fakeBin, runScript } from './fixtures/pki.js';

describe('CLOCK_THEN_EXEC_SCRIPT', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'kcr-clock-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('prints the clock, then runs the command with its arguments as they are, and exits with its code', async () => {
    const before = Math.floor(Date.now() / 1000);
    const marker = join(scratch, 'ran');
    const res = await runScript(CLOCK_THEN_EXEC_SCRIPT, [
      'sh',
      '-c',
      'printf "%s|" "$@" > "$0"; echo removed; exit 3',
      marker,
      'a b',
      '$(id)',
      '-f',
    ]);
    const [clock, ...rest] = res.stdout.split('\n');
    expect(Number(clock)).toBeGreaterThanOrEqual(before);
    expect(Number(clock)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(rest.join('\n')).toBe('removed\n');
    expect(res.code).toBe(3);
    expect(await readFile(marker, 'utf8')).toBe('a b|$(id)|-f|');
  });

  for (const [what, body] of [
    ['garbage', 'echo "Thu Jan  1 garbage"'],
    ['nothing', 'exit 0'],
    ['an error', 'echo "date: cannot read clock" >&2; exit 1'],
    ['two numbers', 'echo 1795875484; echo 1795875485'],
  ] as const) {
    it(`a date that prints ${what}: exit 1 and the command never runs`, async () => {
      const bin = await fakeBin(scratch, { date: body });
      const marker = join(scratch, `ran-${what.replace(/\W/g, '')}`);
      const res = await runScript(CLOCK_THEN_EXEC_SCRIPT, ['touch', marker], { pathPrefix: bin });
      expect(res.code).toBe(1);
      expect(existsSync(marker)).toBe(false);
      expect(res.stdout).toMatch(/^not a clock: /);
    });
  }
});
