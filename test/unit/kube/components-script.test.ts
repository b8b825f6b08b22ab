// CLOCK_THEN_EXEC_SCRIPT run for real (sh, date): the clock first, then the command; a clock that
// is not a number stops it before the command (restart_control_plane must never remove a container
// whose removal it cannot date).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_THEN_EXEC_SCRIPT, COMPONENT_STARTS_SCRIPT } from '../../../src/kube/scripts/components.js';
import { parseSections } from '../../../src/kube/node-scripts.js';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
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

describe('COMPONENT_STARTS_SCRIPT', () => {
  let k: string;
  let createdSec = 0;
  beforeAll(async () => {
    createdSec = Math.floor(Date.now() / 1000);
    // A kubernetes dir whose path holds a space and a glob character: every file is still found.
    k = await mkdtemp(join(tmpdir(), 'kcr starts *'));
    await mkdir(join(k, 'pki'));
    for (const [rel, sec] of [
      ['pki/apiserver.crt', 1796306474],
      ['pki/apiserver.key', 1796306480],
      ['scheduler.conf', 1796306000],
    ] as const) {
      await writeFile(join(k, rel), 'x');
      await utimes(join(k, rel), sec, sec);
    }
  });
  afterAll(() => rm(k, { recursive: true, force: true }));

  it("prints each present file's mtime, the first file's ctime, the node's clock; no container, no start", async () => {
    const before = Math.floor(Date.now() / 1000);
    // docker listed for nothing: the fake answers no container, so `started` stays empty
    const bin = await fakeBin(k, { docker: 'exit 0' });
    const res = await runScript(
      COMPONENT_STARTS_SCRIPT,
      [
        k,
        'docker',
        'full',
        'kube-apiserver:pki/apiserver.crt:pki/apiserver.key:pki/missing.crt',
        'kube-scheduler:scheduler.conf',
      ],
      { pathPrefix: bin },
    );
    expect(res.code).toBe(0);
    const s = parseSections(res.stdout);
    expect(s.get('files kube-apiserver')).toBe(`1796306474 ${k}/pki/apiserver.crt\n1796306480 ${k}/pki/apiserver.key`);
    expect(s.get('files kube-scheduler')).toBe(`1796306000 ${k}/scheduler.conf`);
    expect(Number(s.get('changed kube-apiserver'))).toBeGreaterThanOrEqual(createdSec);
    expect(s.get('started kube-apiserver')).toBe('');
    expect(Number(s.get('now'))).toBeGreaterThanOrEqual(before);
    // nothing listens on :6443/:10257/:10259 here: empty, not an error
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'])
      expect(s.get(`served-start ${c}`)).toBe('');
    expect(s.get('auth-errors kube-scheduler')).toBe('');
  });

  it('brief (preflight): the files and starts only, no logs, clock or served certificates', async () => {
    const bin = await fakeBin(k, { docker: 'exit 0' });
    const res = await runScript(COMPONENT_STARTS_SCRIPT, [k, 'docker', 'brief', 'kube-scheduler:scheduler.conf'], {
      pathPrefix: bin,
    });
    expect(res.code).toBe(0);
    expect([...parseSections(res.stdout).keys()]).toEqual([
      'changed kube-scheduler',
      'files kube-scheduler',
      'started kube-scheduler',
    ]);
  });
});
