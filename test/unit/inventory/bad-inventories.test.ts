// Each bad inventory gives one InputError line `file:line:col: what (what to do)`, exit code 4,
// no stack trace, no newline, and never the value of a misplaced secret.
import { describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { lines, sandbox } from './helpers.js';

/** A valid cluster with one master `m1`: lines 1-5, the host mapping starts at 5:9. */
const HEAD = ['clusters:', '  - name: global', '    type: global', '    masters:', '      - name: m1'];
const withHead = (...more: string[]) => lines(...HEAD, ...more);

interface Case {
  name: string;
  yaml: string | Buffer;
  line: number;
  col: number;
  /** A phrase of the message, and one of the hint when given. */
  phrase: string;
  hint?: string;
  /** Must not appear anywhere in the error (a secret's value). */
  secret?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra files, relative to the inventory's folder. */
  files?: Record<string, string>;
}

const aliasBomb = lines(
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'clusters: [*e]',
);

const cases: Case[] = [
  // The file itself
  { name: 'empty file', yaml: '', line: 1, col: 1, phrase: 'the file is empty' },
  { name: 'only comments', yaml: '# nothing yet\n', line: 1, col: 1, phrase: 'the file is empty' },
  {
    name: 'not UTF-8',
    yaml: Buffer.from('clusters:\n  - name: gl\xffobal\n', 'latin1'),
    line: 2,
    col: 13,
    phrase: 'not valid UTF-8',
    hint: 'save it as UTF-8',
  },
  { name: 'binary (NUL byte)', yaml: Buffer.from('clusters:\n\0\0\0'), line: 2, col: 1, phrase: 'binary' },
  {
    name: 'larger than 5 MiB',
    yaml: `${'#'.repeat(5 * 1024 * 1024)}\n`,
    line: 1,
    col: 1,
    phrase: 'larger than 5242880 bytes',
  },
  // YAML
  {
    name: 'tab indentation',
    yaml: 'clusters:\n\t- name: global\n',
    line: 2,
    col: 1,
    phrase: 'YAML syntax error',
    hint: 'fix the YAML syntax',
  },
  {
    name: 'unterminated quote',
    yaml: withHead('    runtime: "docker'),
    line: 7,
    col: 1,
    phrase: 'YAML syntax error: Missing closing "quote',
  },
  {
    name: 'duplicate YAML key',
    yaml: lines('clusters:', '  - name: global', '    type: global', '    type: standalone'),
    line: 4,
    col: 5,
    phrase: 'duplicate key "type"',
    hint: 'keep one of them',
  },
  {
    name: 'two documents',
    yaml: withHead('---', 'clusters: []'),
    line: 6,
    col: 1,
    phrase: 'more than one YAML document',
  },
  { name: 'alias bomb', yaml: aliasBomb, line: 2, col: 8, phrase: 'aliases expand too much' },
  {
    name: 'alias without anchor',
    yaml: withHead('    ssh: *common'),
    line: 6,
    col: 10,
    phrase: 'alias "*common" has no anchor',
  },
  {
    name: 'unknown tag',
    yaml: withHead('    vars: { token: !vault abc }'),
    line: 6,
    col: 20,
    phrase: 'Unresolved tag',
    hint: 'remove the tag',
  },
  // Shape
  {
    name: 'a list, not a mapping',
    yaml: lines('- name: global'),
    line: 1,
    col: 1,
    phrase: 'must be a mapping with a "clusters" list',
  },
  { name: 'a scalar, not a mapping', yaml: lines('clusters'), line: 1, col: 1, phrase: 'must be a mapping' },
  {
    name: 'no clusters key',
    yaml: lines('defaults: {}'),
    line: 1,
    col: 1,
    phrase: 'missing required key "clusters"',
    hint: 'add "clusters:"',
  },
  { name: 'clusters empty', yaml: lines('clusters: []'), line: 1, col: 11, phrase: '"clusters" must not be empty' },
  {
    name: 'clusters is a mapping',
    yaml: lines('clusters:', '  global:', '    type: global'),
    line: 2,
    col: 3,
    phrase: '"clusters" must be a list, not a mapping',
  },
  {
    name: 'unknown top-level key',
    yaml: lines('cluster:', '  - name: global'),
    line: 1,
    col: 1,
    phrase: 'unknown key "cluster"',
    hint: 'did you mean "clusters"?',
  },
  {
    name: 'unknown cluster key',
    yaml: withHead('    sssh: {}'),
    line: 6,
    col: 5,
    phrase: 'unknown key "sssh"',
    hint: 'did you mean "ssh"?',
  },
  {
    name: 'snake_case key',
    yaml: withHead('        ssh:', '          identity_file: ~/.ssh/id'),
    line: 7,
    col: 11,
    phrase: 'unknown key "identity_file"',
    hint: 'did you mean "identityFile"?',
  },
  {
    name: 'missing cluster name',
    yaml: lines('clusters:', '  - type: global', '    masters:', '      - name: m1'),
    line: 2,
    col: 5,
    phrase: 'missing required key "name"',
  },
  {
    name: 'missing type',
    yaml: lines('clusters:', '  - name: global', '    masters:', '      - name: m1'),
    line: 2,
    col: 5,
    phrase: 'missing required key "type"',
  },
  {
    name: 'missing masters',
    yaml: lines('clusters:', '  - name: global', '    type: global'),
    line: 2,
    col: 5,
    phrase: 'missing required key "masters"',
  },
  {
    name: 'masters empty',
    yaml: lines('clusters:', '  - name: global', '    type: global', '    masters: []'),
    line: 4,
    col: 14,
    phrase: '"masters" must not be empty',
  },
  { name: 'ssh left empty', yaml: withHead('    ssh:'), line: 6, col: 5, phrase: '"ssh" must be a mapping, not empty' },
  {
    name: 'bastion without address',
    yaml: withHead('    ssh: { bastion: { user: ops } }'),
    line: 6,
    col: 21,
    phrase: 'missing required key "address"',
  },
  // Types and values
  {
    name: 'port as a string',
    yaml: withHead('        ssh: { port: "22" }'),
    line: 6,
    col: 22,
    phrase: '"port" must be a number, not a string',
  },
  {
    name: 'port too large',
    yaml: withHead('        ssh: { port: 70000 }'),
    line: 6,
    col: 22,
    phrase: '"port" must be at most 65535',
  },
  {
    name: 'port with a fraction',
    yaml: withHead('        ssh: { port: 22.5 }'),
    line: 6,
    col: 22,
    phrase: '"port" must be a whole number, not a fractional number',
    hint: 'use a whole number',
  },
  {
    name: 'timeout too small',
    yaml: withHead('    ssh: { connectTimeoutMs: 0 }'),
    line: 6,
    col: 30,
    phrase: '"connectTimeoutMs" must be at least 100',
  },
  {
    name: 'bad runtime',
    yaml: withHead('    runtime: cri-o'),
    line: 6,
    col: 14,
    phrase: '"runtime" must be one of docker, containerd',
  },
  {
    name: 'imported cluster',
    yaml: lines('clusters:', '  - name: old', '    type: imported', '    masters:', '      - name: m1'),
    line: 3,
    col: 11,
    phrase: "TKEStack did not build them, and their PKI is not kubeadm's",
  },
  {
    name: 'become.enabled: yes',
    yaml: withHead('    become: { enabled: yes }'),
    line: 6,
    col: 24,
    phrase: '"enabled" must be true or false, not a string',
    hint: 'YAML 1.2',
  },
  {
    name: 'version as a number',
    yaml: withHead('    kubernetesVersion: 1.18'),
    line: 6,
    col: 24,
    phrase: '"kubernetesVersion" must be a string, not a number',
    hint: 'in quotes',
  },
  {
    name: 'agent: yes',
    yaml: withHead('    ssh: { agent: yes }'),
    line: 6,
    col: 19,
    phrase: '"agent" must be true, false or the path',
  },
  {
    name: 'vars with a list',
    yaml: withHead('    vars: { zones: [a, b] }'),
    line: 6,
    col: 20,
    phrase: '"zones" must be a string, a number or true or false, not a list',
  },
  {
    name: 'vars with a bad name',
    yaml: withHead('    vars: { "bad-key": 1 }'),
    line: 6,
    col: 13,
    phrase: 'key "bad-key" is not a valid variable name',
  },
  {
    name: 'provision: upload without localBinary',
    yaml: withHead('    kubeadm: { provision: upload }'),
    line: 6,
    col: 27,
    phrase: '"provision: upload" needs "localBinary"',
  },
  {
    name: 'mirrorUrl placeholder',
    yaml: withHead('    kubeadm: { mirrorUrl: "https://m.example.com/{ver}/kubeadm" }'),
    line: 6,
    col: 27,
    phrase: 'unknown placeholder',
  },
  {
    name: 'installDir relative',
    yaml: withHead('    kubeadm: { installDir: opt/bin }'),
    line: 6,
    col: 28,
    phrase: 'invalid "installDir"',
  },
  {
    name: '~user path',
    yaml: withHead('    ssh: { identityFile: "~bob/.ssh/id" }'),
    line: 6,
    col: 26,
    phrase: 'only "~" and "~/..." are expanded',
  },
  // Hostile names and addresses
  {
    name: 'name with ";"',
    yaml: lines(...HEAD.slice(0, 4), '      - name: "m1; rm -rf /"'),
    line: 5,
    col: 15,
    phrase: 'invalid host name',
  },
  {
    name: 'name with a newline',
    yaml: lines(...HEAD.slice(0, 4), '      - name: "m1\\nboot"'),
    line: 5,
    col: 15,
    phrase: 'invalid host name',
  },
  {
    name: 'name with a leading dash',
    yaml: lines(...HEAD.slice(0, 4), '      - name: -m1'),
    line: 5,
    col: 15,
    phrase: 'invalid host name',
  },
  {
    name: 'cluster name with backticks',
    yaml: lines('clusters:', '  - name: "`id`"', ...HEAD.slice(2)),
    line: 2,
    col: 11,
    phrase: 'invalid name',
  },
  {
    name: 'name of 64 characters',
    yaml: lines('clusters:', `  - name: ${'a'.repeat(64)}`, ...HEAD.slice(2)),
    line: 2,
    col: 11,
    phrase: 'invalid name',
  },
  {
    name: 'address with $()',
    yaml: withHead('        address: "$(reboot)"'),
    line: 6,
    col: 18,
    phrase: 'invalid address',
  },
  {
    name: 'address with backticks',
    yaml: withHead('        address: "`reboot`"'),
    line: 6,
    col: 18,
    phrase: 'invalid address',
  },
  {
    name: 'address like an ssh option',
    yaml: withHead('        address: -oProxyCommand=x'),
    line: 6,
    col: 18,
    phrase: 'invalid address',
  },
  {
    name: 'user with a space',
    yaml: withHead('        ssh: { user: "root x" }'),
    line: 6,
    col: 22,
    phrase: 'invalid user name',
  },
  // Secrets
  {
    name: 'inline ssh password',
    yaml: withHead('    ssh:', '      password: hunter2'),
    line: 7,
    col: 7,
    phrase: 'inline secret "password" is not allowed',
    hint: 'passwordEnv: VARIABLE_NAME',
    secret: 'hunter2',
  },
  {
    name: 'inline sudo password',
    yaml: lines('defaults:', '  become:', '    password: s3cr3t', ...HEAD),
    line: 3,
    col: 5,
    phrase: 'inline secret "password"',
    secret: 's3cr3t',
  },
  {
    name: 'inline bastion passphrase',
    yaml: withHead('    ssh:', '      bastion:', '        address: jump', '        passphrase: "pa55word"'),
    line: 9,
    col: 9,
    phrase: 'inline secret "passphrase"',
    hint: 'passphraseEnv',
    secret: 'pa55word',
  },
  {
    name: 'a password where an env name goes',
    yaml: withHead('    ssh: { passwordEnv: "hunter2!" }'),
    line: 6,
    col: 25,
    phrase: 'invalid environment variable name',
    secret: 'hunter2',
  },
  // Uniqueness
  {
    name: 'duplicate cluster names',
    yaml: lines(...HEAD, '  - name: global', '    type: standalone', '    masters:', '      - name: m2'),
    line: 6,
    col: 11,
    phrase: 'cluster "global" is already defined at 2:11',
  },
  {
    name: 'host twice in a cluster',
    yaml: withHead('      - name: m1'),
    line: 6,
    col: 15,
    phrase: 'host "m1" is already listed at 5:15',
  },
  {
    name: 'host in two clusters',
    yaml: lines(...HEAD, '  - name: other', '    type: standalone', '    masters:', '      - name: m1'),
    line: 9,
    col: 15,
    phrase: 'host "m1" is already listed at 5:15, in cluster "global"',
  },
  {
    name: 'a worker that is also a master',
    yaml: withHead('    workers:', '      - name: m1'),
    line: 7,
    col: 15,
    phrase: 'host "m1" is already listed at 5:15',
  },
  {
    name: 'same address and port',
    yaml: withHead('        address: 10.0.0.1', '      - name: m2', '        address: 10.0.0.1'),
    line: 8,
    col: 18,
    phrase: 'same address and port (10.0.0.1:22) as host "m1" at 6:18',
  },
  {
    name: 'address equal to another host name',
    yaml: withHead('      - name: m2', '        address: m1'),
    line: 7,
    col: 18,
    phrase: 'same address and port (m1:22) as host "m1" at 5:15',
  },
  // Files and environment
  {
    name: 'identity file missing',
    yaml: withHead('    ssh:', '      identityFile: keys/missing'),
    line: 7,
    col: 21,
    phrase: 'keys/missing cannot be read: not found',
  },
  {
    name: 'identity file is a folder',
    yaml: withHead('    ssh:', '      identityFile: ~/.ssh'),
    line: 7,
    col: 21,
    phrase: 'cannot be read: not a regular file',
  },
  {
    name: 'known_hosts file missing',
    yaml: withHead(
      '    ssh:',
      '      knownHostsFiles:',
      '        - ~/.ssh/known_hosts',
      '        - ./missing_known_hosts',
    ),
    line: 9,
    col: 11,
    phrase: 'known_hosts file',
  },
  {
    name: 'agent: true without SSH_AUTH_SOCK',
    yaml: withHead('    ssh: { agent: true }'),
    env: {},
    line: 6,
    col: 19,
    phrase: 'SSH_AUTH_SOCK is not set',
  },
];

describe('bad inventories', () => {
  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name', async (c) => {
    const box = await sandbox();
    for (const [name, content] of Object.entries(c.files ?? {})) await box.write(name, content);
    const file = await box.write('inventory.yaml', c.yaml);
    const error = await loadInventory(file, {
      home: box.home,
      env: c.env ?? { SSH_AUTH_SOCK: '/tmp/agent.sock' },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    const line = e.oneLine();
    expect(line.startsWith(`${file}:${c.line}:${c.col}: `), line).toBe(true);
    expect(line).toContain(c.phrase);
    if (c.hint) expect(e.hint).toContain(c.hint);
    expect(e.exitCode).toBe(ExitCode.invalidInput);
    expect(e.message).not.toMatch(/[\r\n]/);
    expect(line).not.toMatch(/[\r\n]|\n\s+at /);
    expect(line).toMatch(/\(.+\)$/); // every error says what to do
    if (c.secret) expect(`${line} ${e.message} ${e.hint}`).not.toContain(c.secret);
  });
});
