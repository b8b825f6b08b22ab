// `renew completion bash`: the script is sourced in a real bash and its function run the way bash
// runs it on <Tab> (COMP_WORDS / COMP_CWORD set, COMPREPLY read back); names come from the real
// CLI (the built dist/src/cli/main.js behind a `renew` on PATH) reading a real inventory file.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import { Capture } from './capture.js';

const root = path.resolve(import.meta.dirname, '../../..');

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = {
    stdout: new Capture(),
    stderr: new Capture(),
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    env: {},
  };
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

let dir: string;
let binDir: string;
let script: string;

afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kcr-completion-'));
  binDir = path.join(dir, 'bin');
  mkdirSync(binDir);
  // `renew` as an operator has it: the built CLI (global-setup builds dist/ before the tests).
  writeFileSync(
    path.join(binDir, 'renew'),
    `#!/bin/sh\nexec '${process.execPath}' '${path.join(root, 'dist/src/cli/main.js')}' "$@"\n`,
  );
  chmodSync(path.join(binDir, 'renew'), 0o755);
  writeFileSync(path.join(dir, 'key'), 'not read by the loader, only checked for readability\n');
  writeFileSync(path.join(dir, 'known_hosts'), '');
  writeFileSync(
    path.join(dir, 'fleet.yaml'),
    `defaults:
  ssh: { identityFile: ./key, knownHostsFiles: [./known_hosts] }
clusters:
  - name: global
    type: global
    masters:
      - { name: gm1, address: 127.0.0.11 }
      - { name: gm2, address: 127.0.0.12 }
  - name: edge
    type: standalone
    masters:
      - { name: em1, address: 127.0.0.21 }
`,
  );
  const res = await cli(['completion', 'bash']);
  expect(res.code, res.stderr).toBe(0);
  script = path.join(dir, 'renew.bash');
  writeFileSync(script, res.stdout);
});

/** What bash offers for the last word of `words` (the word being completed, possibly ''), and what it printed on stderr. */
function completeWithStderr(words: string[], env: Record<string, string> = {}): { offered: string[]; stderr: string } {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const res = spawnSync(
    'bash',
    [
      '-c',
      `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _renew; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      script,
    ],
    {
      cwd: dir,
      env: { PATH: `${binDir}:/usr/bin:/bin`, HOME: dir, ...env },
      encoding: 'utf8',
    },
  );
  if (res.status !== 0) throw new Error(`bash exited ${res.status}: ${res.stderr}`);
  return { offered: res.stdout.split('\n').filter((l) => l !== ''), stderr: res.stderr };
}
const complete = (words: string[], env: Record<string, string> = {}): string[] =>
  completeWithStderr(words, env).offered;

describe('renew completion bash', () => {
  it('completes cluster names from the inventory given with --inventory', () => {
    expect(complete(['renew', '--inventory', 'fleet.yaml', '--cluster', ''])).toEqual(['global', 'edge']);
    expect(complete(['renew', 'check', '-i', 'fleet.yaml', '-c', 'e'])).toEqual(['edge']);
  });

  it('completes host names, only of the clusters already chosen', () => {
    expect(complete(['renew', 'check', '--inventory', 'fleet.yaml', '--limit', ''])).toEqual(['gm1', 'gm2', 'em1']);
    expect(complete(['renew', '-i', 'fleet.yaml', '-c', 'global', '-l', ''])).toEqual(['gm1', 'gm2']);
  });

  it('completes the last name of a comma-separated list', () => {
    expect(complete(['renew', '-i', 'fleet.yaml', '-l', 'gm1,g'])).toEqual(['gm1,gm1', 'gm1,gm2']);
  });

  it('takes the inventory from KCR_INVENTORY when the command line has none', () => {
    expect(complete(['renew', '-c', ''], { KCR_INVENTORY: path.join(dir, 'fleet.yaml') })).toEqual(['global', 'edge']);
  });

  it('offers nothing, and prints nothing, when the inventory cannot be read', () => {
    expect(completeWithStderr(['renew', '-i', 'missing.yaml', '-c', ''])).toEqual({ offered: [], stderr: '' });
    writeFileSync(path.join(dir, 'broken.yaml'), 'clusters: [\n');
    expect(completeWithStderr(['renew', '-i', 'broken.yaml', '-l', ''])).toEqual({ offered: [], stderr: '' });
    expect(completeWithStderr(['renew', '-c', ''])).toEqual({ offered: [], stderr: '' });
  });

  it('completes commands and flags, per command', () => {
    expect(complete(['renew', 'c'])).toEqual(['check', 'completion']);
    expect(complete(['renew', 'check', '--w'])).toEqual(['--warn']);
    expect(complete(['renew', '--w'])).toEqual([]);
    expect(complete(['renew', '--dr'])).toEqual(['--dry-run']);
    expect(complete(['renew', '--log-level', 'd'])).toEqual(['debug']);
    expect(complete(['renew', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    expect(complete(['renew', 'inventory', ''])).toEqual(['validate']);
  });

  it('does not take a flag value for the command ("--cluster check" is a cluster named check)', () => {
    expect(complete(['renew', '-i', 'fleet.yaml', '--cluster', 'check', '--w'])).toEqual([]);
  });

  it('never offers the hidden __complete helper', () => {
    expect(complete(['renew', '_'])).toEqual([]);
    expect(complete(['renew', ''])).not.toContain('__complete');
  });
});

describe('renew completion zsh and fish', () => {
  it('zsh loads the same function through bashcompinit', async () => {
    const res = await cli(['completion', 'zsh']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^#compdef renew kube-cert-renew\n/);
    expect(res.stdout).toMatch(/bashcompinit/);
    expect(res.stdout).toContain('complete -F _renew renew kube-cert-renew');
  });

  it('fish completes --cluster and --limit from the inventory, and every command', async () => {
    const res = await cli(['completion', 'fish']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/-s c -l cluster -x -a '\(__renew_names clusters\)'/);
    expect(res.stdout).toMatch(/-s l -l limit -x -a '\(__renew_names hosts\)'/);
    for (const command of ['check', 'inventory', 'version', 'completion'])
      expect(res.stdout).toMatch(new RegExp(`__fish_use_subcommand' -a ${command} `));
  });

  it('refuses an unknown shell with a usage error', async () => {
    const res = await cli(['completion', 'tcsh']);
    expect(res.code).toBe(5);
    expect(res.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
  });
});
