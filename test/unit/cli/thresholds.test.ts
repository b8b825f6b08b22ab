// Threshold flags a new user gets wrong: --warn below --critical refused, --renew-within at or
// above a kubeadm certificate's life warned; through the CLI, before anything connects.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { checkCheckThresholds, renewWithinWarning } from '../../../src/cli/thresholds.js';

const DAY_MS = 86_400_000;

describe('checkCheckThresholds', () => {
  it('refuses --warn below --critical in one line, accepts equal or larger', () => {
    expect(() => checkCheckThresholds(30 * DAY_MS, 60 * DAY_MS)).toThrow(UsageError);
    expect(() => checkCheckThresholds(30 * DAY_MS, 60 * DAY_MS)).toThrow(
      '--warn 30d is below --critical 60d: a certificate would turn critical before it warns',
    );
    expect(() => checkCheckThresholds(30 * DAY_MS, 30 * DAY_MS)).not.toThrow();
    expect(() => checkCheckThresholds(30 * DAY_MS, 7 * DAY_MS)).not.toThrow();
  });
});

describe('renewWithinWarning', () => {
  it('warns from 365d on (every run would renew again), not below, not with --force', () => {
    expect(renewWithinWarning(400 * DAY_MS, false)).toBe(
      "warning: --renew-within 400d is at least a kubeadm certificate's whole life (365d): every run will renew every master again, restarts included (use --force for a one-off early renewal)",
    );
    expect(renewWithinWarning(365 * DAY_MS, false)).toMatch(/^warning: --renew-within 365d /);
    expect(renewWithinWarning(364 * DAY_MS, false)).toBeUndefined();
    expect(renewWithinWarning(30 * DAY_MS, false)).toBeUndefined();
    expect(renewWithinWarning(400 * DAY_MS, true)).toBeUndefined();
  });
});

describe('through the CLI', () => {
  // imported here so the pure tests above stay independent of the CLI's wiring
  const cli = async (argv: string[]) => {
    const { PassThrough } = await import('node:stream');
    const { runCli } = await import('../../../src/cli/program.js');
    const { Capture } = await import('./capture.js');
    const { fakeCliDeps } = await import('./fake-deps.js');
    const calls: import('../../../src/playbook/runner.js').RunPlaybookParams[] = [];
    const io = {
      stdout: new Capture(),
      stderr: new Capture(),
      stdin: Object.assign(new PassThrough(), { isTTY: false }),
      env: { CI: '1' },
    };
    const code = await runCli(argv, io, fakeCliDeps(calls));
    return { code, stderr: io.stderr.text, stdout: io.stdout.text, calls };
  };

  it('check --warn 30d --critical 60d: exit 5, one line, nothing run', async () => {
    const r = await cli(['check', '--inventory', 'inv.yaml', '--warn', '30d', '--critical', '60d']);
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: --warn 30d is below --critical 60d: /);
    expect(r.calls).toHaveLength(0);
  });

  it('renew --renew-within 400d: warns once on stderr, and runs', async () => {
    const r = await cli(['--inventory', 'inv.yaml', '--renew-within', '400d', '--dry-run']);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning: --renew-within 400d '))).toHaveLength(1);
    expect(r.calls).toHaveLength(1);
    const quiet = await cli(['--inventory', 'inv.yaml', '--dry-run']);
    expect(quiet.stderr).not.toContain('--renew-within');
  });

  it('check accepts -o wide, --all and --only-problems, and refuses another view', async () => {
    for (const flags of [['-o', 'wide'], ['--all'], ['--only-problems'], ['-o', 'summary']])
      expect((await cli(['check', '--inventory', 'inv.yaml', ...flags])).code, flags.join(' ')).not.toBe(5);
    const bad = await cli(['check', '--inventory', 'inv.yaml', '-o', 'yaml']);
    expect(bad.code).toBe(5);
  });
});
