// The command grammar through the real commander program: flags before the subcommand, unknown
// commands with a suggestion, `help <command>`, inventory commands taking -i, check's own flags
// and help, and the record every run leaves in the state folder.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../../src/cli/program.js';
import { defaultStateDir } from '../../../src/cli/state-dir.js';
import type { RunPlaybookParams } from '../../../src/playbook/runner.js';
import { Capture } from './capture.js';
import { fakeCliDeps, writeAssertPlaybook } from './fake-deps.js';

let dir: string;
let playbookFile: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kcr-grammar-'));
  playbookFile = await writeAssertPlaybook(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(env: NodeJS.ProcessEnv = {}): CliIo & { stdout: Capture; stderr: Capture } {
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  return { stdout: new Capture(), stderr: new Capture(), stdin, env: { CI: '1', XDG_STATE_HOME: dir, ...env } };
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const runs: RunPlaybookParams[] = [];
  const files: string[] = [];
  const t = io(env);
  const code = await runCli(argv, t, fakeCliDeps(runs, files));
  return { code, runs, files, stdout: t.stdout.text, stderr: t.stderr.text };
}

describe('flags written before the subcommand, as kubectl and git users write them', () => {
  it('renew -i FILE check runs check on that inventory', async () => {
    const r = await cli(['-i', 'inv.yaml', 'check', '--playbook', playbookFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.files).toEqual(['inv.yaml']);
    expect(r.runs[0]!.command).toBe('check');
  });

  it('lists join: -c before and -l after the subcommand both count', async () => {
    const r = await cli([
      '-c',
      'global',
      'check',
      '-c',
      'edge',
      '-l',
      'm1,m3',
      '-i',
      'inv.yaml',
      '--playbook',
      playbookFile,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.runs[0]!.inventory.clusters.map((c) => c.name)).toEqual(['global', 'edge']);
  });

  it('the value written after the subcommand wins', async () => {
    const r = await cli(['--forks', '2', 'check', '--forks', '4', '-i', 'inv.yaml', '--playbook', playbookFile]);
    expect(r.runs[0]!.forks).toBe(4);
  });

  it('a flag before the subcommand beats its KCR_ variable', async () => {
    const r = await cli(['-i', 'flag.yaml', 'check', '--playbook', playbookFile], { KCR_INVENTORY: 'env.yaml' });
    expect(r.files).toEqual(['flag.yaml']);
  });

  it('a renew-only flag before check is a usage error naming it, and nothing runs', async () => {
    const r = await cli(['--renew-within', '5d', 'check', '-i', 'inv.yaml']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('error: --renew-within is a flag of renew, not of "renew check" (see renew check --help)\n');
    expect(r.runs).toEqual([]);
  });

  it('renew -i FILE inventory validate validates that file', async () => {
    const r = await cli(['-i', 'inv.yaml', 'inventory', 'validate']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.files).toEqual(['inv.yaml']);
    expect(r.stdout).toBe('ok: 2 clusters, 3 hosts\n');
  });
});

describe('unknown commands and help', () => {
  it('a mistyped command is named, with the nearest one', async () => {
    const r = await cli(['chek', '--inventory', 'x.yaml']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('error: unknown command "chek" (did you mean "check"?)\n');
    expect(r.runs).toEqual([]);
  });

  it('a word far from every command lists the commands', async () => {
    const r = await cli(['-i', 'x.yaml', 'frobnicate']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      /^error: unknown command "frobnicate" \(known commands: check, inventory, version, completion, help\)\n$/,
    );
  });

  it('help check prints the help of check', async () => {
    const r = await cli(['help', 'check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: renew check \[options\]/);
  });

  it('help inventory lists validate and list', async () => {
    const r = await cli(['help', 'inventory']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/validate \[options\] \[file\]/);
    expect(r.stdout).toMatch(/list \[options\] \[file\]/);
  });

  it('check --help lists neither renew-only flags nor renew-only exit codes', async () => {
    const r = await cli(['check', '--help']);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const flag of ['--renew-within', '--health-timeout', '--max-clock-skew', '--keep-backups', '--yes', '--force'])
      expect(help).not.toContain(flag);
    // check keeps a record of its runs there too, so it takes the folder.
    expect(help).toContain('--output-dir');
    expect(help).not.toContain('changed or skipped');
    expect(help).not.toContain('a change not confirmed');
    expect(help).toMatch(/11 a certificate expires within --critical/);
  });

  it('check accepts --dry-run (it is always one) but not --yes', async () => {
    expect((await cli(['check', '-i', 'inv.yaml', '--dry-run', '--playbook', playbookFile])).code).toBe(0);
    const yes = await cli(['check', '-i', 'inv.yaml', '--yes']);
    expect(yes.code).toBe(5);
    expect(yes.stderr).toMatch(/^error: unknown option '--yes'/);
  });

  it('check refuses a renew-only flag written after it', async () => {
    const r = await cli(['check', '-i', 'inv.yaml', '--renew-within', '5d']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^error: unknown option '--renew-within'/);
  });
});

describe('inventory commands take the inventory as renew does', () => {
  it.each([
    [['inventory', 'validate', '-i', 'a.yaml']],
    [['inventory', 'validate', '--inventory', 'a.yaml']],
    [['inventory', 'validate', 'a.yaml']],
  ])('%j', async (argv) => {
    const r = await cli(argv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.files).toEqual(['a.yaml']);
  });

  it('KCR_INVENTORY too', async () => {
    const r = await cli(['inventory', 'validate'], { KCR_INVENTORY: 'env.yaml' });
    expect(r.files).toEqual(['env.yaml']);
  });

  it('two different files are refused', async () => {
    const r = await cli(['inventory', 'validate', 'a.yaml', '-i', 'b.yaml']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('error: two inventories given: a.yaml and --inventory b.yaml (give one)\n');
  });

  it('inventory list shows each host with user, address, port', async () => {
    const r = await cli(['inventory', 'list', '-i', 'inv.yaml', '--cluster', 'edge']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^edge \(standalone/);
    expect(r.stdout).toMatch(/^ {2}m3 \(master\) root@m3\.example:22$/m);
    expect(r.stdout).not.toContain('m1');
  });
});

describe('the state folder', () => {
  it('is $XDG_STATE_HOME/kube-cert-renew, else ~/.local/state/kube-cert-renew; a relative XDG value is ignored', () => {
    expect(defaultStateDir({ XDG_STATE_HOME: '/x/state', HOME: '/home/a' })).toBe('/x/state/kube-cert-renew');
    expect(defaultStateDir({ HOME: '/home/a' })).toBe('/home/a/.local/state/kube-cert-renew');
    expect(defaultStateDir({ XDG_STATE_HOME: 'rel', HOME: '/home/a' })).toBe('/home/a/.local/state/kube-cert-renew');
  });

  it('is the default --output-dir, and keeps each run summary there, private', async () => {
    const state = await mkdtemp(path.join(dir, 'state-'));
    const r = await cli(['-i', 'inv.yaml', '--dry-run', '--playbook', playbookFile], { XDG_STATE_HOME: state });
    expect(r.code, r.stderr).toBe(0);
    const home = path.join(state, 'kube-cert-renew');
    expect(r.runs[0]!.options.outputDir).toBe(home);
    const runs = await readdir(path.join(home, 'runs'));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^\d{8}T\d{6}Z-renew-dry-run\.json$/);
    const record = path.join(home, 'runs', runs[0]!);
    expect(JSON.parse(await readFile(record, 'utf8'))).toMatchObject({ dryRun: true });
    expect((await stat(record)).mode & 0o777).toBe(0o600);
    expect((await stat(home)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(home, 'runs'))).mode & 0o777).toBe(0o700);
  });

  it('a run whose record cannot be kept still reports its own exit code, with a warning', async () => {
    const r = await cli(['check', '-i', 'inv.yaml', '--playbook', playbookFile], { XDG_STATE_HOME: playbookFile });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: could not keep this run's record in .*pb\.yaml\/kube-cert-renew: /m);
  });
});
