import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../../src/errors.js';
import { loadPlaybook, parsePlaybook } from '../../../src/playbook/load.js';
import { modules } from './helpers.js';

function errorOf(text: string): InputError {
  try {
    parsePlaybook(text, 'pb.yaml', modules);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no error');
}

const good = `name: Renew
plays:
  - name: Renew one master at a time
    hosts: masters
    serial: 1
    when: cluster.type == "global"
    tasks:
      - module: t_step
        args: { ms: 5 }
        register: probe
        until: results.probe.status == "ok"
      - name: wait
        module: pause
        args: { seconds: 1 }
        delay: 2
        retries: 4
        timeout: 30
        ignoreErrors: true
    rescue:
      - module: assert
        args: { that: 'facts.x is defined' }
`;

describe('loadPlaybook', () => {
  it('turns YAML into a Playbook with defaults applied and args parsed by the module schema', () => {
    const pb = parsePlaybook(good, 'pb.yaml', modules);
    expect(pb.name).toBe('Renew');
    expect(pb.file).toBe(path.resolve('pb.yaml'));
    const play = pb.plays[0]!;
    expect(play).toMatchObject({
      hosts: 'masters',
      serial: 1,
      once: false,
      when: 'cluster.type == "global"',
      always: [],
    });
    const [probe, wait] = play.tasks;
    expect(probe).toMatchObject({
      name: 't_step',
      retries: 3,
      delayMs: 5000,
      register: 'probe',
      ignoreErrors: false,
      source: { file: 'pb.yaml', line: 8, col: 9 },
    });
    expect(probe!.args).toMatchObject({ ms: 5, status: 'ok', failOn: [] });
    expect(wait).toMatchObject({ name: 'wait', retries: 4, delayMs: 2000, timeoutMs: 30_000, ignoreErrors: true });
    expect(play.rescue[0]!.module).toBe('assert');
  });

  it.each([
    ['YAML syntax', 'name: x\nplays: [\n', /^pb\.yaml:3:1: YAML syntax error: /],
    ['duplicate key', 'name: a\nname: b\nplays: []\n', /^pb\.yaml:2:1: duplicate key/],
    [
      'unknown top-level key',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks: [{ module: t_step }]\nextra: 1\n',
      /^pb\.yaml:6:1: unknown key "extra"/,
    ],
    [
      'unknown task key',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks:\n      - module: t_step\n        retry: 3\n',
      /^pb\.yaml:7:9: unknown key "retry" \(known keys: name, module, args, when, register, retries/,
    ],
    [
      'missing name',
      'plays:\n  - name: p\n    hosts: all\n    tasks: [{ module: t_step }]\n',
      /^pb\.yaml:1:1: missing required key "name"/,
    ],
    [
      'missing module',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks:\n      - name: x\n',
      /^pb\.yaml:6:9: missing required key "module"/,
    ],
    [
      'bad hosts',
      'name: a\nplays:\n  - name: p\n    hosts: nodes\n    tasks: [{ module: t_step }]\n',
      /^pb\.yaml:4:12: "hosts" must be one of masters, workers, all/,
    ],
    [
      'bad serial',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    serial: 0\n    tasks: [{ module: t_step }]\n',
      /^pb\.yaml:5:13: "serial" must be at least 1/,
    ],
    [
      'no tasks',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks: []\n',
      /^pb\.yaml:5:12: "tasks" must not be empty/,
    ],
    [
      'misspelt module',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks:\n      - module: paus\n',
      /^pb\.yaml:6:17: unknown module "paus" \(did you mean "pause"\?\)/,
    ],
    [
      'unknown module',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks:\n      - module: frobnicate\n',
      /^pb\.yaml:6:17: unknown module "frobnicate" \(known modules: .*assert.*pause/,
    ],
    [
      'unknown module argument',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks:\n      - module: pause\n        args:\n          second: 3\n',
      /^pb\.yaml:8:11: module "pause": unknown key "second" \(did you mean "seconds"\?\)/,
    ],
    [
      'bad module argument type',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks:\n      - module: pause\n        args:\n          seconds: "3"\n',
      /^pb\.yaml:8:20: module "pause": "seconds" must be a number, not a string/,
    ],
    [
      'missing module argument',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks:\n      - module: pause\n',
      /^pb\.yaml:6:9: module "pause": "seconds" must be a number/,
    ],
    [
      'bad condition in a quoted when',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    when: "cluster.type = 1"\n    tasks: [{ module: t_step }]\n',
      /^pb\.yaml:5:25: condition: unexpected character "="/,
    ],
    [
      'bad condition in a plain until',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks:\n      - module: t_step\n        until: facts.x is bogus\n',
      /^pb\.yaml:7:27: condition: expected "defined"/,
    ],
    [
      'eval-like condition',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks:\n      - module: t_step\n        when: process.exit(1)\n',
      /^pb\.yaml:7:27: condition: "process\.exit" is not a function/,
    ],
    [
      'bad register name',
      'name: a\nplays:\n  - name: p\n    hosts: all\n    tasks:\n      - module: t_step\n        register: 1x\n',
      /^pb\.yaml:7:19: "register" is not valid: a register name/,
    ],
  ])('%s -> file:line:col, exit code 4', (_name, text, expected) => {
    const e = errorOf(text);
    expect(e.oneLine()).toMatch(expected);
    expect(e.oneLine()).not.toContain('\n');
    expect(e.exitCode).toBe(ExitCode.invalidInput);
  });

  it('names an unreadable file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kcr-pb-'));
    try {
      await expect(loadPlaybook(path.join(dir, 'missing.yaml'), modules)).rejects.toThrow(
        /cannot read the file: not found/,
      );
      const file = path.join(dir, 'pb.yaml');
      await writeFile(file, good);
      expect((await loadPlaybook(file, modules)).plays).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
