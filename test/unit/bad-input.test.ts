// Malformed inventories and playbooks through the real command line: `runCli` (the bin's entry, with
// captured io and the real loaders) and, for some, the built binary as a process. Each must give
// exactly one line `error: file:line:col: what (what to do)` on stderr, exit code 4, nothing on
// stdout, no stack trace, and finish within a bounded time (no hang on a bomb or a huge file).
// test/unit/inventory/bad-inventories.test.ts covers the inventory schema through loadInventory; this
// table covers the CLI surface, playbooks, and file-level hostility (encodings, bombs, nesting).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDeps, runCli, type CliDeps, type CliIo } from '../../src/cli/program.js';
import { ExitCode } from '../../src/errors.js';
import { repoRoot } from '../e2e/support/lab.js';
import { Capture } from './cli/capture.js';

/** In-process cases are fast; the bin is a new Node process, slow to start on a loaded machine. */
const CASE_TIMEOUT_MS = 20_000;
const BINARY_TIMEOUT_MS = 90_000;
const lines = (...text: string[]) => `${text.join('\n')}\n`;

const GOOD_INVENTORY = lines(
  'defaults:',
  '  ssh: { user: root, identityFile: id_key, knownHostsFiles: [known_hosts] }',
  'clusters:',
  '  - name: global',
  '    type: global',
  '    masters:',
  '      - { name: m1, address: 10.0.0.1 }',
);
/** A valid playbook: lines 1-7; the task mapping starts at 6:9. */
const PB_HEAD = ['name: Test', 'plays:', '  - name: p', '    hosts: masters', '    tasks:'];
const pb = (...more: string[]) => lines(...PB_HEAD, ...more);
/** A playbook of one `pause` task (0 s) with `more` keys (lines, unindented) on that task. */
const pausePb = (...more: string[]) =>
  pb('      - module: pause', '        args: { seconds: 0 }', ...more.map((line) => `        ${line}`));
const GOOD_PLAYBOOK = pb('      - module: pause', '        args: { seconds: 0 }');

/** The classic "billion laughs": 9 levels of 9 aliases each. */
function billionLaughs(last: string): string {
  const out = ['a0: &a0 "lol"'];
  for (let i = 1; i <= 9; i++) out.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  out.push(last);
  return lines(...out);
}
const SIX_MIB = 6 * 1024 * 1024;
/** Bytes 0x80..0xff in a fixed scramble: not UTF-8 from the first byte, no NUL. */
const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => 0x80 + ((i * 37) % 128)));
const utf16 = (text: string, bigEndian = false) => {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return bigEndian ? Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]) : le;
};

type Via = 'renew' | 'check' | 'validate';
interface Case {
  name: string;
  /** Which file is malformed; the other one is valid. */
  target: 'inventory' | 'playbook';
  via: Via;
  content: string | Buffer;
  line: number;
  col: number;
  /** A phrase of the one-line message. */
  phrase: string;
  /** Must not appear in the output (a value from the file that may be secret). */
  secret?: string;
  /** Also run through the built binary as a real process. */
  binary?: boolean;
}

const inv = (
  name: string,
  via: Via,
  content: string | Buffer,
  line: number,
  col: number,
  phrase: string,
  more: Partial<Case> = {},
): Case => ({ name, target: 'inventory', via, content, line, col, phrase, ...more });
const play = (
  name: string,
  content: string | Buffer,
  line: number,
  col: number,
  phrase: string,
  more: Partial<Case> = {},
): Case => ({ name, target: 'playbook', via: 'renew', content, line, col, phrase, ...more });

const cases: Case[] = [
  // Inventories: the file itself
  inv('inventory of blanks only', 'renew', '   \n\n  \n', 1, 1, 'the file is empty'),
  inv('inventory "---" only', 'validate', '---\n', 1, 1, 'the file is empty'),
  inv('inventory "null"', 'check', 'null\n', 1, 1, 'must be a mapping with a "clusters" list'),
  inv('inventory of binary garbage (not UTF-8)', 'renew', garbage, 1, 1, 'not valid UTF-8', { binary: true }),
  inv(
    'inventory that is an ELF binary',
    'validate',
    Buffer.from('\x7fELF\x02\x01\x01\0\0\0\0', 'latin1'),
    1,
    8,
    'binary, not YAML text',
  ),
  inv(
    'inventory that is gzip data',
    'renew',
    Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]),
    1,
    4,
    'binary, not YAML text',
  ),
  inv(
    'inventory with a NUL on line 4',
    'check',
    Buffer.from('clusters:\n  - name: global\n    type: global\n    ma\0sters: []\n'),
    4,
    7,
    'contains a NUL byte',
  ),
  inv('inventory in UTF-16 LE with a BOM', 'validate', utf16(GOOD_INVENTORY), 1, 1, 'UTF-16'),
  inv('inventory in UTF-16 BE with a BOM', 'renew', utf16(GOOD_INVENTORY, true), 1, 1, 'UTF-16', { binary: true }),
  inv(
    'inventory with a Latin-1 byte in a comment',
    'validate',
    Buffer.concat([Buffer.from('clusters: # caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    1,
    16,
    'not valid UTF-8',
  ),
  inv(
    'inventory with an overlong UTF-8 sequence',
    'renew',
    Buffer.concat([Buffer.from('clusters:\n  - name: '), Buffer.from([0xc0, 0xaf]), Buffer.from('\n')]),
    2,
    11,
    'not valid UTF-8',
  ),
  inv(
    'inventory with an encoded surrogate',
    'renew',
    Buffer.concat([Buffer.from('# \n# '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\nclusters: []\n')]),
    2,
    3,
    'not valid UTF-8',
  ),
  inv(
    'inventory with a UTF-8 BOM and an error: columns not shifted',
    'validate',
    `\ufeff${GOOD_INVENTORY.replace('type: global', 'type: globl')}`,
    5,
    11,
    '"type" must be one of global, standalone',
  ),
  inv(
    'inventory larger than 5 MiB (one long comment line)',
    'renew',
    `# ${'x'.repeat(SIX_MIB)}\n`,
    1,
    1,
    'larger than 5242880 bytes',
    { binary: true },
  ),
  inv(
    'inventory larger than 5 MiB (many clusters)',
    'validate',
    lines(
      'clusters:',
      ...Array.from({ length: 120_000 }, (_, i) => `  - { name: c${i}, type: standalone, masters: [{ name: m${i} }] }`),
    ),
    1,
    1,
    'larger than 5242880 bytes',
  ),
  inv('inventory billion laughs', 'renew', billionLaughs('clusters: *a9'), 2, 10, 'aliases expand too much', {
    binary: true,
  }),
  inv(
    'inventory alias bomb inside a host',
    'check',
    billionLaughs('clusters: [{ name: g, type: global, masters: [{ name: m1, vars: { x: *a9 } }] }]'),
    2,
    10,
    'aliases expand too much',
  ),
  inv(
    'inventory merge key "<<" (not YAML 1.2)',
    'validate',
    lines('base: &b { type: global }', 'clusters:', '  - <<: *b', '    name: g', '    masters: [{ name: m1 }]'),
    1,
    1,
    'unknown key "base"',
  ),
  inv(
    'inventory nested 5000 flow levels deep',
    'renew',
    `clusters: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
    1,
    110,
    'nests more than 100 levels deep',
    { binary: true },
  ),
  inv(
    'inventory nested 300 block levels deep',
    'validate',
    Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k${i}:\n`).join(''),
    101,
    101,
    'nests more than 100 levels deep',
  ),
  inv(
    'inventory nested 200 compact sequences deep',
    'check',
    `clusters:\n  ${'- '.repeat(200)}x\n`,
    2,
    199,
    'nests more than 100 levels deep',
  ),
  inv(
    'inventory with a tab before a key',
    'renew',
    lines('clusters:', '  - name: global', '\t  type: global'),
    3,
    1,
    'YAML syntax error',
  ),
  inv(
    'inventory with CRLF line endings and an error',
    'validate',
    GOOD_INVENTORY.replace('type: global', 'type: 7').replace(/\n/g, '\r\n'),
    5,
    11,
    '"type" must be a string, not a number',
  ),
  inv(
    'inventory duplicate "name" in a host (whole key named)',
    'renew',
    lines('clusters:', '  - name: global', '    type: global', '    masters:', '      - name: m1', '        name: m2'),
    6,
    9,
    'duplicate key "name"',
  ),
  inv(
    'inventory duplicate key in a flow mapping',
    'check',
    GOOD_INVENTORY.replace('{ name: m1, address: 10.0.0.1 }', '{ name: m1, address: 10.0.0.1, address: 10.0.0.2 }'),
    7,
    40,
    'duplicate key "address"',
  ),
  inv(
    'inventory duplicate quoted key with an escape',
    'validate',
    lines('"clus\\"ters": 1', '"clus\\"ters": 2'),
    2,
    1,
    'duplicate key "clus\\"ters"',
  ),
  inv('inventory as JSON with a syntax error', 'renew', '{"clusters": [}\n', 1, 15, 'YAML syntax error'),
  inv(
    'inventory with a language-specific tag',
    'validate',
    lines('clusters: !!python/object:os.system [rm]'),
    1,
    11,
    'Unresolved tag',
  ),
  inv(
    'inventory with a collection as a key',
    'renew',
    lines('? [a, b]', ': 1', 'clusters: []'),
    1,
    1,
    'unknown key "[ a, b ]"',
  ),
  inv(
    'inventory masters as a string',
    'check',
    lines('clusters:', '  - name: global', '    type: global', '    masters: m1'),
    4,
    14,
    '"masters" must be a list, not a string',
  ),
  inv(
    'inventory unknown ssh key with a secret-looking value',
    'renew',
    GOOD_INVENTORY.replace('user: root', 'user: root, pass: hunter2'),
    2,
    22,
    'unknown key "pass"',
    { secret: 'hunter2' },
  ),
  // Playbooks
  play('playbook empty', '', 1, 1, 'the file is empty'),
  play('playbook of binary garbage', garbage, 1, 1, 'not valid UTF-8', { binary: true }),
  play('playbook in UTF-16 LE', utf16(GOOD_PLAYBOOK), 1, 1, 'UTF-16'),
  play('playbook larger than 5 MiB', `${GOOD_PLAYBOOK}#${'y'.repeat(SIX_MIB)}\n`, 1, 1, 'larger than 5242880 bytes'),
  play('playbook billion laughs', billionLaughs('name: *a9'), 2, 10, 'aliases expand too much', { binary: true }),
  play(
    'playbook nested 1000 levels deep',
    `name: x\nplays: ${'{a: '.repeat(1000)}1${'}'.repeat(1000)}\n`,
    2,
    404,
    'nests more than 100 levels deep',
  ),
  play('playbook with tab indentation', lines(...PB_HEAD, '\t- module: pause'), 6, 1, 'YAML syntax error'),
  play(
    'playbook two documents',
    lines(...PB_HEAD, '      - module: pause', '        args: { seconds: 0 }', '---', 'name: again'),
    8,
    1,
    'more than one YAML document',
  ),
  play('playbook unterminated flow list', lines('name: x', 'plays: [', '  { name: p'), 4, 1, 'YAML syntax error'),
  play(
    'playbook alias without anchor',
    pb('      - module: pause', '        args: *common'),
    7,
    15,
    'alias "*common" has no anchor',
  ),
  play(
    'playbook duplicate "name" in a task',
    pb('      - name: first', '        name: second', '        module: pause'),
    7,
    9,
    'duplicate key "name"',
    { binary: true },
  ),
  play(
    'playbook duplicate "module" in a task',
    pb('      - module: pause', '        module: backup'),
    7,
    9,
    'duplicate key "module"',
  ),
  play(
    'playbook a list, not a mapping',
    lines('- name: p', '  hosts: masters'),
    1,
    1,
    'the document must be a mapping, not a list',
  ),
  play(
    'playbook plays as a mapping',
    lines('name: x', 'plays:', '  p: { hosts: masters }'),
    3,
    3,
    '"plays" must be a list, not a mapping',
  ),
  play(
    'playbook a task as a bare string',
    pb('      - backup'),
    6,
    9,
    'item 1 of "tasks" must be a mapping, not a string',
  ),
  play(
    'playbook unknown play key',
    lines(...PB_HEAD.slice(0, 4), '    become: true', '    tasks: [{ module: pause, args: { seconds: 0 } }]'),
    5,
    5,
    'unknown key "become"',
  ),
  play(
    'playbook hosts wrong type',
    lines(...PB_HEAD.slice(0, 3), '    hosts: [masters]', '    tasks: [{ module: pause, args: { seconds: 0 } }]'),
    4,
    12,
    '"hosts" must be one of masters, workers, all',
  ),
  play(
    'playbook unknown module',
    pb('      - module: kubeadm_renw'),
    6,
    17,
    'unknown module "kubeadm_renw" (did you mean "kubeadm_renew"?)',
    { binary: true },
  ),
  play(
    'playbook module name with shell',
    pb('      - module: "backup; rm -rf /"'),
    6,
    17,
    'unknown module "backup; rm -rf /"',
  ),
  play(
    'playbook unknown module argument',
    pb('      - module: restart_control_plane', '        args: { component: [etcd] }'),
    7,
    17,
    'module "restart_control_plane": unknown key "component" (did you mean "components"?)',
  ),
  play(
    'playbook module argument of the wrong type',
    pb('      - module: restart_control_plane', '        args: { onlyIfRestarted: "yes" }'),
    7,
    34,
    'module "restart_control_plane": "onlyIfRestarted" must be true or false, not a string',
  ),
  play(
    'playbook module argument out of its enum',
    pb('      - module: restart_control_plane', '        args: { components: [etcd, kubelet] }'),
    7,
    36,
    'module "restart_control_plane": item 2 of "components" must be one of kube-apiserver',
  ),
  play(
    'playbook args as a list',
    pb('      - module: pause', '        args: [1]'),
    7,
    15,
    '"args" must be a mapping, not a list',
  ),
  play('playbook retries negative', pausePb('retries: -1'), 8, 18, '"retries" must be at least 0'),
  play(
    'playbook timeout as a duration string',
    pausePb('timeout: 30s'),
    8,
    18,
    '"timeout" must be a number, not a string',
  ),
  play(
    'playbook when that ends early',
    pausePb('when: facts.x =='),
    8,
    25,
    'condition: the condition ended where a value was expected',
    { binary: true },
  ),
  play('playbook when with shell', pausePb('when: "$(touch /tmp/x)"'), 8, 16, 'condition: unexpected character "$"'),
  play('playbook when with backticks', pausePb("when: '`id`'"), 8, 16, 'condition: unexpected character "`"'),
  play('playbook when reaching a prototype', pausePb('when: facts.__proto__.x'), 8, 21, 'condition: '),
  play(
    'playbook when calling a function',
    lines(...PB_HEAD.slice(0, 4), '    when: require("fs")', '    tasks: [{ module: pause, args: { seconds: 0 } }]'),
    5,
    11,
    'condition: "require" is not a function',
  ),
  play('playbook until empty', pausePb('until: "  "'), 8, 16, '"until" must not be empty'),
  play(
    'playbook condition longer than 2000 characters',
    pausePb(`when: ${Array.from({ length: 700 }, () => 'a').join(' or ')}`),
    8,
    2015,
    'condition longer than 2000 characters',
  ),
  {
    ...play(
      'check with a bad playbook',
      pb('      - module: node_fact'),
      6,
      17,
      'unknown module "node_fact" (did you mean "node_facts"?)',
    ),
    via: 'check',
  },
];

let dir: string;
let goodInventory: string;
let goodPlaybook: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kcr-bad-input-'));
  await writeFile(path.join(dir, 'id_key'), 'placeholder: the loader only checks that it is readable\n', {
    mode: 0o600,
  });
  await writeFile(path.join(dir, 'known_hosts'), '');
  goodInventory = path.join(dir, 'good-inventory.yaml');
  goodPlaybook = path.join(dir, 'good-playbook.yaml');
  await writeFile(goodInventory, GOOD_INVENTORY);
  await writeFile(goodPlaybook, GOOD_PLAYBOOK);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The real loaders; a run that got past them would be a failed case, so it may not connect anywhere. */
const deps: CliDeps = {
  ...defaultDeps,
  createLogger: () => pino({ level: 'silent' }),
  createTransport: () => Promise.reject(new Error('a malformed file was accepted: the run tried to connect')),
};

async function writeCase(c: Case, index: number): Promise<{ file: string; argv: string[] }> {
  const file = path.join(dir, `case-${index}-${c.target}.yaml`);
  await writeFile(file, c.content);
  const inventory = c.target === 'inventory' ? file : goodInventory;
  const playbook = c.target === 'playbook' ? file : goodPlaybook;
  if (c.via === 'validate') return { file, argv: ['inventory', 'validate', inventory] };
  const base = ['--inventory', inventory, '--playbook', playbook];
  return { file, argv: c.via === 'check' ? ['check', ...base] : [...base, '--dry-run'] };
}

function expectOneLineError(c: Case, file: string, code: number, stdout: string, stderr: string): void {
  expect(code, stderr).toBe(ExitCode.invalidInput);
  expect(stdout).toBe('');
  // Exactly one line, starting with file:line:col, saying what to do in parentheses.
  expect(stderr.endsWith('\n') && stderr.indexOf('\n') === stderr.length - 1, JSON.stringify(stderr)).toBe(true);
  expect(stderr.startsWith(`error: ${file}:${c.line}:${c.col}: `), stderr).toBe(true);
  expect(stderr).toContain(c.phrase);
  expect(stderr).toMatch(/\(.+\)\n$/);
  expect(stderr).not.toMatch(/\bat .+:\d+:\d+\)?$|internal error|Error:/m);
  expect(stderr.length).toBeLessThan(600);
  if (c.secret) expect(stderr).not.toContain(c.secret);
}

describe('malformed inventories and playbooks through the CLI', () => {
  it('has at least 40 cases, inventories and playbooks, through renew, check and inventory validate', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(cases.filter((c) => c.target === 'playbook').length).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => c.via))).toEqual(new Set(['renew', 'check', 'validate']));
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('the valid files used around each case are accepted', async () => {
    const out = { stdout: new Capture(), stderr: new Capture() };
    const io: CliIo = { ...out, stdin: Object.assign(new PassThrough(), { isTTY: false }), env: {} };
    expect(await runCli(['inventory', 'validate', goodInventory], io, deps), out.stderr.text).toBe(0);
    expect(out.stdout.text).toMatch(/^ok: 1 cluster/);
  });

  it.each(cases.map((c, i) => ({ ...c, index: i })))('runCli: $name', { timeout: CASE_TIMEOUT_MS }, async (c) => {
    const { file, argv } = await writeCase(c, c.index);
    const stdout = new Capture();
    const stderr = new Capture();
    const io: CliIo = { stdout, stderr, stdin: Object.assign(new PassThrough(), { isTTY: false }), env: {} };
    const code = await runCli(argv, io, deps);
    expectOneLineError(c, file, code, stdout.text, stderr.text);
  });

  const binaryCases = cases.map((c, i) => ({ ...c, index: i })).filter((c) => c.binary);
  it('at least 8 cases also run through the built binary', () => {
    expect(binaryCases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(binaryCases)('binary: $name', { timeout: BINARY_TIMEOUT_MS }, async (c) => {
    const { file, argv } = await writeCase(c, c.index + 1000);
    const res = await runBinary(argv, BINARY_TIMEOUT_MS - 10_000);
    expect(res.timedOut, 'the process did not end in time').toBe(false);
    expectOneLineError(c, file, res.code, res.stdout, res.stderr);
  });
});

/** Runs dist/src/cli/main.js; kills it (and says so) if it outlives `timeoutMs`. */
function runBinary(
  argv: string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist/src/cli/main.js'), ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: dir },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, timedOut });
    });
  });
}
