// The CLI through its exported entry (`runCli`): help, usage errors (5), invalid inventory (4),
// the --yes rule, reporters, and exit codes passed through from the run.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDeps, runCli, type CliDeps, type CliIo } from '../../../src/cli/program.js';
import type { RunPlaybookParams } from '../../../src/playbook/runner.js';
import type { RunSummary } from '../../../src/playbook/results.js';
import { Capture } from './capture.js';
import { fakeCliDeps, writeAssertPlaybook } from './fake-deps.js';
import { modules as testModules } from '../playbook/helpers.js';

function io(opts: { stdinTTY?: boolean } = {}): CliIo & { stdout: Capture; stderr: Capture } {
  const stdin = Object.assign(new PassThrough(), { isTTY: opts.stdinTTY ?? false });
  // Run records go to the test's folder, not the user's state folder.
  return { stdout: new Capture(), stderr: new Capture(), stdin, env: { CI: '1', XDG_STATE_HOME: dir } };
}

let dir: string;
let playbookFile: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kcr-cli-'));
  playbookFile = await writeAssertPlaybook(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Deps with a fake inventory and transport; the real runner unless `run` is given. */
function deps(over: Partial<CliDeps> & { calls?: RunPlaybookParams[] } = {}): CliDeps {
  return { ...fakeCliDeps(over.calls), ...over };
}

const base = () => ['--inventory', 'inv.yaml', '--playbook', playbookFile];

describe('help', () => {
  it('renew --help explains the tool, every flag, an example and the exit codes', async () => {
    const t = io();
    expect(await runCli(['--help'], t, deps())).toBe(0);
    const help = t.stdout.text;
    expect(help).toMatch(/^Usage: renew \[options\] \[command\]/);
    expect(help).toContain('Renews the kubeadm certificates of TKEStack clusters');
    for (const flag of [
      '--inventory',
      '--cluster',
      '--limit',
      '--playbook',
      '--forks',
      '--dry-run',
      '--yes',
      '--json',
      '--junit',
      '--log-file',
      '--log-level',
      '--verbose',
      '--accept-new-host-keys',
      '--renew-within',
      '--force',
      '--health-timeout',
      '--output-dir',
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain('check');
    expect(help).toContain('inventory');
    expect(help).toContain('Examples:');
    expect(help).toMatch(/130\s+interrupted/);
    expect(help).toMatch(/4\s+invalid inventory or playbook/);
  });

  it('check --help describes the read-only check', async () => {
    const t = io();
    expect(await runCli(['check', '--help'], t, deps())).toBe(0);
    expect(t.stdout.text).toMatch(/^Usage: renew check \[options\]/);
    expect(t.stdout.text).toContain('always runs as a dry run');
    expect(t.stdout.text).not.toContain('--yes');
  });
});

describe('usage errors: exit 5, one line', () => {
  it.each([
    [
      ['--inventory', 'x', '--dryrun'],
      /^error: unknown option '--dryrun' \(Did you mean --dry-run\?\) \(see --help\)\n$/,
    ],
    [['--yes'], /^error: the --inventory <file> option is required \(see --help\)\n$/],
    [['check'], /^error: the --inventory <file> option is required/],
    [
      ['--inventory', 'x', '--forks', '0'],
      /^error: option '--forks <n>' argument '0' is invalid\. "0" is not a whole number/,
    ],
    [['--inventory', 'x', '--renew-within', '30'], /"30" is not a duration; write e\.g\. 500ms, 90s, 15m, 12h or 30d/],
    [['--inventory', 'x', '--log-level', 'loud'], /^error: option '--log-level <level>' argument 'loud' is invalid/],
    [
      ['inventory', 'validate'],
      /^error: no inventory given \(write the file, or --inventory FILE, or set KCR_INVENTORY\)\n$/,
    ],
  ])('%j', async (argv, message) => {
    const t = io();
    expect(await runCli(argv, t, deps())).toBe(5);
    expect(t.stderr.text).toMatch(message);
    expect(t.stderr.text.trimEnd().split('\n')).toHaveLength(1);
  });

  it('an unknown --cluster name is a usage error, before anything runs', async () => {
    const t = io();
    const calls: RunPlaybookParams[] = [];
    expect(await runCli([...base(), '--cluster', 'globl', '--yes'], t, deps({ calls }))).toBe(5);
    expect(t.stderr.text).toMatch(/^error: no cluster named "globl" .* \(did you mean "global"\?\)\n$/);
    expect(calls).toHaveLength(0);
  });
});

describe('invalid inventory or playbook: exit 4, one line', () => {
  it('inventory validate names file:line:col', async () => {
    const file = path.join(dir, 'bad-inventory.yaml');
    await writeFile(file, 'clusters:\n  - name: a\n    tpye: global\n');
    const t = io();
    expect(await runCli(['inventory', 'validate', file], t, { ...defaultDeps })).toBe(4);
    expect(t.stderr.text).toMatch(new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `));
    expect(t.stderr.text.trimEnd().split('\n')).toHaveLength(1);
    expect(t.stderr.text).not.toMatch(/\n\s+at /);
  });

  it('inventory validate of a good inventory says how many clusters and hosts', async () => {
    const t = io();
    expect(await runCli(['inventory', 'validate', 'inv.yaml'], t, deps())).toBe(0);
    expect(t.stdout.text).toBe('ok: 2 clusters, 3 hosts\n');
  });

  it('a bad playbook is exit 4 with its position', async () => {
    const file = path.join(dir, 'bad-pb.yaml');
    await writeFile(
      file,
      'name: x\nplays:\n  - name: p\n    hosts: masters\n    tasks:\n      - module: no_such_module\n',
    );
    const t = io();
    expect(await runCli(['--inventory', 'inv.yaml', '--playbook', file, '--dry-run'], t, deps())).toBe(4);
    expect(t.stderr.text).toMatch(
      new RegExp(
        `^error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6:17: unknown module "no_such_module" \\(known modules: assert, backup, [^\\n]*\\)\\n$`,
      ),
    );
  });
});

describe('confirmation', () => {
  it('refuses a run that may change things without --yes when stdin is not a terminal', async () => {
    const t = io({ stdinTTY: false });
    const calls: RunPlaybookParams[] = [];
    expect(await runCli(base(), t, deps({ calls }))).toBe(5);
    expect(t.stderr.text).toBe(
      'error: this run may change the hosts and stdin is not a terminal to confirm it (pass --yes, or --dry-run to only see what would be done)\n',
    );
    expect(calls).toHaveLength(0);
  });

  /** Deps whose playbook changes something on every master (t_mutate), so there is a plan to confirm. */
  const changing = async (): Promise<string[]> => {
    const file = path.join(dir, 'mutate.yaml');
    await writeFile(
      file,
      'name: Test\nplays:\n  - name: p\n    hosts: masters\n    tasks:\n      - name: Change it\n        module: t_mutate\n',
    );
    return ['--inventory', 'inv.yaml', '--playbook', file];
  };

  it('on a terminal shows the plan and asks; "no" changes nothing', async () => {
    const t = io({ stdinTTY: true });
    const calls: RunPlaybookParams[] = [];
    const asked: string[] = [];
    const code = await runCli(
      await changing(),
      t,
      deps({ calls, modules: testModules, confirm: async (q) => (asked.push(q), false) }),
    );
    expect(code).toBe(5);
    expect(asked).toHaveLength(1);
    // The plan: per host what a real run would do, in the step's own words; no playbook expressions.
    expect(t.stderr.text).toMatch(/^Plan \(nothing was changed\):$/m);
    expect(t.stderr.text).toMatch(/^\s+global\s+m1\s+would change it$/m);
    expect(t.stderr.text).toMatch(/^\s+m2\s+would change it$/m);
    expect(t.stderr.text).not.toContain('play "p"');
    // The plan is a dry run: the only run made changed nothing.
    expect(calls.map((c) => c.options.dryRun)).toEqual([true]);
  });

  it('on a terminal, "yes" runs', async () => {
    const t = io({ stdinTTY: true });
    const calls: RunPlaybookParams[] = [];
    expect(await runCli(await changing(), t, deps({ calls, modules: testModules, confirm: async () => true }))).toBe(0);
    expect(calls.map((c) => c.options.dryRun)).toEqual([true, false]);
  });

  it('on a terminal, asks nothing and changes nothing when the plan changes nothing', async () => {
    const t = io({ stdinTTY: true });
    const calls: RunPlaybookParams[] = [];
    const asked: string[] = [];
    expect(await runCli(base(), t, deps({ calls, confirm: async (q) => (asked.push(q), true) }))).toBe(0);
    expect(asked).toEqual([]);
    expect(calls.map((c) => c.options.dryRun)).toEqual([true]);
    expect(t.stderr.text).toMatch(/0 change\(s\) would be made\n$/);
  });

  it('--dry-run needs no confirmation; --yes neither', async () => {
    const calls: RunPlaybookParams[] = [];
    expect(await runCli([...base(), '--dry-run'], io(), deps({ calls }))).toBe(0);
    expect(await runCli([...base(), '--yes'], io(), deps({ calls }))).toBe(0);
    expect(calls.map((c) => c.options.dryRun)).toEqual([true, false]);
  });
});

describe('a run', () => {
  it('passes flags to the runner: targets, forks, durations, options', async () => {
    const calls: RunPlaybookParams[] = [];
    await runCli(
      [
        ...base(),
        '--yes',
        '--cluster',
        'global',
        '--limit',
        'm2',
        '--forks',
        '3',
        '--renew-within',
        '12h',
        '--health-timeout',
        '90s',
        '--kubeadm-timeout',
        '5m',
        '--etcd-start-timeout',
        '15m',
        '--force',
        '--output-dir',
        path.join(dir, 'out'),
        '--keep-backups',
        '3',
      ],
      io(),
      deps({ calls }),
    );
    const p = calls[0]!;
    expect(p.inventory.clusters.map((c) => [c.name, c.masters.map((h) => h.name)])).toEqual([['global', ['m2']]]);
    expect(p.forks).toBe(3);
    expect(p.options).toMatchObject({
      dryRun: false,
      renewWithinSeconds: 43_200,
      healthTimeoutMs: 90_000,
      kubeadmTimeoutMs: 300_000,
      restartTimeoutMs: 300_000,
      etcdStartTimeoutMs: 900_000,
      force: true,
      outputDir: path.join(dir, 'out'),
      keepBackups: 3,
    });
    expect(p.command).toBe('renew');
  });

  it('check always runs as a dry run and asks for nothing', async () => {
    const calls: RunPlaybookParams[] = [];
    expect(await runCli(['check', ...base()], io(), deps({ calls }))).toBe(0);
    expect(calls[0]!.options.dryRun).toBe(true);
    expect(calls[0]!.command).toBe('check');
  });

  it('check is quick unless --deep; renew sets no check mode', async () => {
    const calls: RunPlaybookParams[] = [];
    expect(await runCli(['check', ...base()], io(), deps({ calls }))).toBe(0);
    expect(await runCli(['check', ...base(), '--deep'], io(), deps({ calls }))).toBe(0);
    expect(await runCli([...base(), '--yes'], io(), deps({ calls }))).toBe(0);
    expect(calls.map((c) => c.options.checkMode)).toEqual(['quick', 'deep', undefined]);
  });

  it('--json prints exactly one JSON document on stdout; progress goes to stderr', async () => {
    const t = io();
    expect(await runCli([...base(), '--dry-run', '--json'], t, deps())).toBe(0);
    const doc = JSON.parse(t.stdout.text) as RunSummary;
    expect(doc.tool).toBe('kube-cert-renew');
    expect(doc.clusters.map((c) => c.cluster)).toEqual(['global', 'edge']);
    expect(t.stderr.text).toContain('[global/m1] assert ok');
    expect(t.stderr.text).toMatch(/CLUSTER\s+HOST\s+RESULT/);
  });

  it('--junit writes the report file', async () => {
    const file = path.join(dir, 'out.xml');
    await runCli([...base(), '--dry-run', '--junit', file], io(), deps());
    const xml = await readFile(file, 'utf8');
    expect(xml).toContain('<testcase classname="global.m1" name="p: assert"');
  });

  it('returns the run exit code (2 when a host failed)', async () => {
    const summary = { exitCode: 2, clusters: [] } as unknown as RunSummary;
    expect(await runCli([...base(), '--yes'], io(), deps({ runPlaybook: async () => summary }))).toBe(2);
  });

  it('an internal error is exit 1, one line, the stack only with -v', async () => {
    const boom = async (): Promise<RunSummary> => {
      throw new TypeError('boom');
    };
    const quiet = io();
    expect(await runCli([...base(), '--yes'], quiet, deps({ runPlaybook: boom }))).toBe(1);
    expect(quiet.stderr.text).toMatch(/error: internal error: boom \(run with -v for details\)\n$/);
    expect(quiet.stderr.text).not.toMatch(/\n\s+at /);
    const verbose = io();
    expect(await runCli([...base(), '--yes', '-v'], verbose, deps({ runPlaybook: boom }))).toBe(1);
    expect(verbose.stderr.text).toMatch(/\n\s+at /);
  });
});
