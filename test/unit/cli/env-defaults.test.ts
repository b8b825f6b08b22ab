// KCR_* variables as defaults for CI: a variable fills a flag not given, an explicit flag wins, a
// bad value is a one-line usage error naming the variable, and --help names each variable.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_DEFAULTS } from '../../../src/cli/env-defaults.js';
import { runCli, type CliDeps, type CliIo } from '../../../src/cli/program.js';
import type { RunPlaybookParams } from '../../../src/playbook/runner.js';
import { Capture } from './capture.js';
import { fakeCliDeps, writeAssertPlaybook } from './fake-deps.js';

function io(env: NodeJS.ProcessEnv): CliIo & { stdout: Capture; stderr: Capture } {
  return {
    stdout: new Capture(),
    stderr: new Capture(),
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    // Run records go to the test's folder, not the user's state folder.
    env: { XDG_STATE_HOME: dir, ...env },
  };
}

let dir: string;
let playbookFile: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kcr-env-'));
  playbookFile = await writeAssertPlaybook(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Deps that record which inventory file was loaded and what the run was given. */
function recording(): { deps: CliDeps; files: string[]; runs: RunPlaybookParams[] } {
  const files: string[] = [];
  const runs: RunPlaybookParams[] = [];
  return { deps: fakeCliDeps(runs, files), files, runs };
}

const hostsOf = (p: RunPlaybookParams): string[] => p.inventory.clusters.flatMap((c) => c.masters.map((h) => h.name));

const RENEW_ONLY = [
  '--renew-within',
  '--health-timeout',
  '--kubeadm-timeout',
  '--restart-timeout',
  '--etcd-start-timeout',
  '--max-clock-skew',
  '--keep-backups',
];

describe('KCR_* environment defaults', () => {
  it('KCR_INVENTORY, KCR_CLUSTER, KCR_FORKS and KCR_OUTPUT_DIR fill the flags not given', async () => {
    const r = recording();
    const t = io({
      KCR_INVENTORY: 'from-env.yaml',
      KCR_CLUSTER: 'global',
      KCR_FORKS: '3',
      KCR_OUTPUT_DIR: path.join(dir, 'env-out'),
      KCR_PLAYBOOK: playbookFile,
    });
    expect(await runCli(['--dry-run'], t, r.deps), t.stderr.text).toBe(0);
    expect(r.files).toEqual(['from-env.yaml']);
    expect(hostsOf(r.runs[0]!)).toEqual(['m1', 'm2']);
    expect(r.runs[0]!.forks).toBe(3);
    expect(r.runs[0]!.options.outputDir).toBe(path.join(dir, 'env-out'));
  });

  it('an explicit flag wins over its variable', async () => {
    const r = recording();
    const t = io({ KCR_INVENTORY: 'from-env.yaml', KCR_CLUSTER: 'global', KCR_LIMIT: 'm1' });
    expect(
      await runCli(
        ['check', '--inventory', 'flag.yaml', '--cluster', 'edge', '--limit', 'm3', '--playbook', playbookFile],
        t,
        r.deps,
      ),
      t.stderr.text,
    ).toBe(0);
    expect(r.files).toEqual(['flag.yaml']);
    expect(hostsOf(r.runs[0]!)).toEqual(['m3']);
  });

  it('a comma-separated KCR_LIMIT selects several hosts; durations parse as on the command line', async () => {
    const r = recording();
    const t = io({ KCR_INVENTORY: 'x.yaml', KCR_LIMIT: 'm1,m3', KCR_RENEW_WITHIN: '12h', KCR_HEALTH_TIMEOUT: '90s' });
    expect(await runCli(['--dry-run', '--playbook', playbookFile], t, r.deps), t.stderr.text).toBe(0);
    expect(hostsOf(r.runs[0]!)).toEqual(['m1', 'm3']);
    expect(r.runs[0]!.options.renewWithinSeconds).toBe(43_200);
    expect(r.runs[0]!.options.healthTimeoutMs).toBe(90_000);
  });

  it('an empty variable is no value: the built-in default stays', async () => {
    const r = recording();
    const t = io({ KCR_INVENTORY: 'x.yaml', KCR_FORKS: '' });
    expect(await runCli(['--dry-run', '--playbook', playbookFile], t, r.deps), t.stderr.text).toBe(0);
    expect(r.runs[0]!.forks).toBe(10);
  });

  it.each([
    [
      { KCR_FORKS: 'many' },
      /^error: KCR_FORKS=many: "many" is not a whole number of 1 or more\. \(the value of KCR_FORKS is used as --forks\)\n$/,
    ],
    [
      { KCR_LOG_LEVEL: 'loud' },
      /^error: KCR_LOG_LEVEL=loud: Allowed choices are fatal, error, warn, info, debug, trace\./,
    ],
    [{ KCR_WARN: '30' }, /^error: KCR_WARN=30: "30" is not a duration/],
  ])('a bad value (%j) is a usage error (5) naming the variable, on one line', async (env, message) => {
    const r = recording();
    const t = io({ KCR_INVENTORY: 'x.yaml', ...env });
    expect(await runCli(['check', '--playbook', playbookFile], t, r.deps)).toBe(5);
    expect(t.stderr.text).toMatch(message);
    expect(r.runs).toEqual([]);
  });

  it('--help of renew and of check names every variable beside its flag', async () => {
    for (const argv of [['--help'], ['check', '--help']]) {
      const t = io({});
      expect(await runCli(argv, t, recording().deps)).toBe(0);
      const help = t.stdout.text.replace(/\s+/g, ' ');
      for (const [flag, variable] of Object.entries(ENV_DEFAULTS)) {
        const isCheckOnly = ['--warn', '--critical', '--prometheus'].includes(flag);
        if (argv[0] !== 'check' && isCheckOnly) continue;
        // check takes none of the renewal's flags (nor lists them in its help).
        if (argv[0] === 'check' && RENEW_ONLY.includes(flag)) {
          expect(help, `check --help ${flag}`).not.toContain(`${flag} `);
          continue;
        }
        expect(help, `${argv.join(' ')} ${flag}`).toMatch(new RegExp(`${flag} <[a-z]+> .*?\\(env: ${variable}\\)`));
      }
    }
  });
});
