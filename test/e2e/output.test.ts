// What an operator sees of a renew run, on a lab of two one-master clusters: line mode (no skipped
// steps, one name per step, clusters grouped, the last line), a terminal through a pseudo-terminal
// (`script`: the plan, a question only when something is due, what changed), and --json on stdout.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason } from './support/lab.js';

const skip = labUnavailableReason();
const toolCli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/src/cli/main.js');

const TOPOLOGY = `
clusters:
  - name: a
    kubernetesVersion: "1.21.4"
    runtime: containerd
    masters: 1
  - name: b
    kubernetesVersion: "1.18.3"
    runtime: docker
    masters: 1
`;

/** Runs the tool on a pseudo-terminal (util-linux `script`); answers `answer` to the y/N question. */
function onTerminal(args: string[], answer?: string): Promise<{ code: number; screen: string; asked: boolean }> {
  const quoted = [process.execPath, toolCli, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
    delete env.CI;
    delete env.NO_COLOR;
    const child = spawn('script', ['-qec', quoted, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let asked = false;
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      if (!asked && screen.includes('[y/N]')) {
        asked = true;
        child.stdin.write(`${answer ?? 'n'}\n`);
      }
    });
    child.on('close', (code) => resolve({ code: code ?? 1, screen, asked }));
  });
}

/** The screen without colours and cursor moves, with plain newlines. */
function text(screen: string): string {
  // eslint-disable-next-line no-control-regex
  return screen.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
}

describe.skipIf(skip)(`the renew run's output${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.up(TOPOLOGY, { name: 'output' });
  }, 900_000);
  afterAll(async () => {
    await lab?.down();
  });

  it(
    'line mode, nothing due: no skipped steps, human names, clusters grouped, the last line says why and how to renew early',
    { timeout: 300_000 },
    async () => {
      const res = await lab.tool(['--inventory', lab.inventory, '--dry-run']);
      expect(res.code, res.stderr).toBe(0);
      const lines = res.stderr.trimEnd().split('\n');
      expect(lines.at(-1)).toMatch(
        /^dry run: 0 of 2 masters due; soonest 33[4-6]d \(threshold 30d\); use --force or --renew-within to renew early \(\S+, exit code 0\)$/,
      );
      expect(res.stderr).not.toMatch(/ skipped \d/);
      expect(res.stderr).not.toMatch(/^\{/m);
      // One human name per step: no module id (kubeadm_renew, kubelet_client_cert...) as a step.
      expect(res.stderr).not.toMatch(/^\[[^\]]+\] [a-z]+_[a-z_]+ /m);
      // Grouped: every line of cluster a before the first of cluster b.
      const steps = lines.filter((l) => /^\[[ab]\//.test(l)).map((l) => l[1]);
      expect(steps.join('')).toMatch(/^a+b+$/);
      expect(res.stderr).toMatch(/^\s+a\s+a-m1\s+not due: soonest admin\.conf in 33\dd \(threshold 30d\)$/m);
      expect(res.stderr).toMatch(/^a\s+a-m1\s+not due\s+\d+\s+0\s+\d+\s+0\s+0\s+0$/m);

      const verbose = await lab.tool(['--inventory', lab.inventory, '--dry-run', '--cluster', 'a', '-v']);
      expect(verbose.stderr).toMatch(/^\[a\/a-m1\] Renew certificates with kubeadm skipped \S+ not due for renewal$/m);
    },
  );

  it('on a terminal, nothing due: the plan and no question; --plain gives lines', { timeout: 300_000 }, async () => {
    const res = await onTerminal(['--inventory', lab.inventory]);
    expect(res.code, res.screen).toBe(0);
    expect(res.asked).toBe(false);
    const screen = text(res.screen);
    expect(screen).toMatch(/Plan \(nothing was changed\):\n\s+a\s+a-m1\s+not due: soonest admin\.conf/);
    expect(screen).toMatch(/0 of 2 masters due; soonest 33\dd \(threshold 30d\); use --force or --renew-within/);
    expect(screen).not.toMatch(/\{"level"/);
    expect(res.screen).toContain('\x1b[');

    const plain = await onTerminal(['--inventory', lab.inventory, '--dry-run', '--plain']);
    expect(plain.code).toBe(0);
    expect(plain.screen).not.toContain('\x1b[');
    expect(plain.screen).toMatch(/^\[a\/a-m1\] Read node facts and certificates ok /m);
  });

  it('on a terminal, due: the plan, the question, then what changed per master', { timeout: 600_000 }, async () => {
    const res = await onTerminal(['--inventory', lab.inventory, '--cluster', 'a', '--renew-within', '400d'], 'y');
    expect(res.asked).toBe(true);
    expect(res.code, res.screen).toBe(0);
    const screen = text(res.screen);
    const [plan, after] = screen.split('[y/N]');
    // 400d is more than a certificate's life: said once, before anything else.
    expect(plan).toMatch(/^warning: --renew-within 400d is at least a kubeadm certificate's whole life \(365d\)/);
    expect(plan).toMatch(
      /\s+a\s+a-m1\s+due: admin\.conf expires in 33\dd\n\s+would back up, renew 10 certificates \(new end about \d{4}-\d\d-\d\d\), /,
    );
    expect(plan).toMatch(/1 of 1 masters due\n/);
    expect(after).toMatch(
      /What changed:\n\s+a\s+a-m1\s+10 certificates renewed, now until \d{4}-\d\d-\d\d \d\d:\d\d UTC\n/,
    );
    expect(after).toMatch(/^\s+backup \/var\/lib\/kube-cert-renew\/backups\/\S+-a-m1-\S+$/m);
    expect(after).toMatch(/^\s+restarted etcd, kube-apiserver, kube-controller-manager, kube-scheduler$/m);
    expect(after).toMatch(/^a\s+a-m1\s+renewed\s+\d+\s+3\s+\d+\s+0\s+0\s+0$/m);
    expect(after).toMatch(/renewed 1 of 1 due master \(1 targeted\) \(\S+, exit code 0\)/);
    // The single-member etcd's warning is a human line, not pino JSON.
    expect(after).not.toMatch(/\{"level"/);
  });

  it(
    '--json: one document on stdout (the preflight verdict added to its data), human lines only on stderr',
    { timeout: 300_000 },
    async () => {
      const res = await lab.tool(['--inventory', lab.inventory, '--dry-run', '--json']);
      expect(res.code, res.stderr).toBe(0);
      const doc = JSON.parse(res.stdout) as {
        totals: Record<string, number>;
        clusters: {
          cluster: string;
          hosts: { host: string; tasks: { module: string; data?: Record<string, unknown> }[] }[];
        }[];
      };
      expect(Object.keys(doc.totals).sort()).toEqual([
        'changed',
        'failed',
        'ok',
        'skipped',
        'unreachable',
        'would-change',
      ]);
      const a1 = doc.clusters.find((c) => c.cluster === 'a')!.hosts[0]!;
      expect(a1.tasks.find((t) => t.module === 'preflight')?.data).toMatchObject({
        due: false,
        reason: expect.stringMatching(/^not due: soonest /),
        soonest: { name: expect.any(String), residualSeconds: expect.any(Number) },
      });
      expect(res.stderr).not.toMatch(/^\{/m);
      expect(res.stderr.trimEnd().split('\n').at(-1)).toMatch(/^dry run: /);
    },
  );
});
