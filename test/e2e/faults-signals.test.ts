// Fault matrix (issue 6, items 9 and 10): the operator's process interrupted mid-run. SIGINT and
// SIGTERM: the step in flight finishes, nothing new starts, exit 130. SIGKILL: nothing finishes.
// In every case a re-run finds the state left behind and completes it, judged by the lab.
// Two 3-master clusters, certificates 340 days old (due under the default 30-day threshold).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type RunResult } from './support/lab.js';
import { diskSerials, loadedSerials } from './support/node-files.js';
import { expectSampled, renewSampled } from './support/sampled-run.js';
import {
  TASK,
  type Report,
  clusterProblems,
  masterInconsistencies,
  parseReport,
  ran,
  reportHost,
  settledStatus,
  spawnTool,
} from './support/fault-checks.js';

const skip = labUnavailableReason();
const TOPOLOGY = `
clusters:
  - name: a
    kubernetesVersion: "1.18.3"
    runtime: docker
    masters: 3
    certAgeDays: 340
  - name: b
    kubernetesVersion: "1.21.4"
    runtime: containerd
    masters: 3
    certAgeDays: 340
`;
const mastersOf = (c: string): string[] => [1, 2, 3].map((i) => `${c}-m${i}`);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The progress line the tool prints on stderr when a task ends on a host. */
const taskEnded = (cluster: string, host: string, task: string): RegExp =>
  new RegExp(`^\\[${cluster}/${host}\\] ${escape(task)} changed`);

async function consistent(lab: Lab, cluster: string): Promise<string[]> {
  const status = await settledStatus(lab, cluster);
  return [
    ...clusterProblems(status, cluster),
    ...(await Promise.all(mastersOf(cluster).map((n) => masterInconsistencies(lab, status, n)))).flat(),
  ];
}

/**
 * Runs the tool, sends `signal` once a stderr line matches `when` (which must happen), and samples
 * `lab status` meanwhile; expects exit `code` and no invariant broken.
 */
async function interruptedRun(
  lab: Lab,
  args: string[],
  when: RegExp,
  signal: NodeJS.Signals,
  code: number,
): Promise<RunResult> {
  let sent = false;
  const done = spawnTool(['--inventory', lab.inventory, '--yes', '--json', ...args], (line, child) => {
    if (!sent && when.test(line)) {
      sent = true;
      child.kill(signal);
    }
  });
  const { result } = await expectSampled(lab, done, code);
  expect(sent).toBe(true);
  return result;
}

/** A re-run of renew on one cluster, sampled: it must exit 0 with no invariant broken; its report. */
async function rerunReport(lab: Lab, cluster: string): Promise<Report> {
  return parseReport((await renewSampled(lab, ['--cluster', cluster], 0)).result.stdout);
}

describe.skipIf(skip)(`the operator's process interrupted mid-run${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.up(TOPOLOGY, { name: 'faults-signals' });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it(
    'Ctrl-C while a master restarts its components: the restart finishes, nothing new starts, exit 130, the master healthy; a re-run renews that unconfirmed master again and completes',
    { timeout: 900_000 },
    async () => {
      const before = await lab.status();
      // The kubeconfig step's line is printed the moment the restart step starts on a-m1.
      const result = await interruptedRun(
        lab,
        ['--cluster', 'a'],
        taskEnded('a', 'a-m1', TASK.kubeconfig),
        'SIGINT',
        130,
      );
      expect(result.stderr).toMatch(/SIGINT: finishing the steps in flight/);
      // The last line names the half-renewed master and how to finish.
      expect(result.stderr).toMatch(
        /^interrupted: .*a-m1 half renewed \(in-progress mark set\).*: run renew again to finish \(\S+, exit code 130\)$/m,
      );
      const report = parseReport(result.stdout);
      expect(report.interrupted).toBe(true);
      const m1 = reportHost(report, 'a-m1');
      expect(ran(m1, TASK.restart)[0]?.status).toBe('changed');
      expect(ran(m1, TASK.wait)).toEqual([]);
      for (const n of ['a-m2', 'a-m3']) expect(ran(reportHost(report, n), TASK.backup)).toEqual([]);
      // a-m1 restarted onto its renewed certificates and is healthy.
      const settled = await settledStatus(lab, 'a');
      expect(clusterProblems(settled, 'a')).toEqual([]);
      for (const [component, serial] of Object.entries(loadedSerials(before, 'a-m1')))
        expect(loadedSerials(settled, 'a-m1')[component], component).not.toBe(serial);
      expect(await masterInconsistencies(lab, settled, 'a-m1')).toEqual([]);

      // a-m1 never passed its health gate in that run, so its in-progress mark is still there: the
      // re-run renews it again (from a new backup) rather than trusting an unconfirmed master.
      expect((await lab.exec('a-m1', ['cat', '/var/lib/kube-cert-renew/backups/IN-PROGRESS'])).stdout).toMatch(
        /-a-m1-/,
      );
      // `check` tells the operator so.
      const check = await lab.tool(['check', '--inventory', lab.inventory, '--cluster', 'a', '--json']);
      const nodes = (JSON.parse(check.stdout) as { nodes: { node: string; problems: string[] }[] }).nodes;
      expect(nodes.find((n) => n.node === 'a-m1')?.problems.join('\n')).toMatch(
        /an earlier renewal did not finish on this master \(its backup: [^)]*-a-m1-[^)]*\): run renew again/,
      );
      expect(nodes.find((n) => n.node === 'a-m2')?.problems.join('\n')).not.toMatch(/did not finish/);
      const rerun = await rerunReport(lab, 'a');
      expect(ran(reportHost(rerun, 'a-m1'), TASK.preflight)[0]?.message).toMatch(
        /an earlier renewal did not finish: a run stopped before it finished this master/,
      );
      expect(mastersOf('a').map((n) => reportHost(rerun, n).status)).toEqual(['changed', 'changed', 'changed']);
      expect(await consistent(lab, 'a')).toEqual([]);
      for (const n of mastersOf('a'))
        expect((await lab.exec(n, ['test', '-e', '/var/lib/kube-cert-renew/backups/IN-PROGRESS'])).code, n).toBe(1);
    },
  );

  it(
    'SIGTERM during a renewal: the renewal finishes, nothing new starts, exit 130; a re-run finds the master half done and completes it',
    { timeout: 900_000 },
    async () => {
      const before = await lab.status();
      // The backup's line is printed the moment kubeadm starts on b-m2.
      const result = await interruptedRun(lab, ['--cluster', 'b'], taskEnded('b', 'b-m2', TASK.backup), 'SIGTERM', 130);
      const report = parseReport(result.stdout);
      const m2 = reportHost(report, 'b-m2');
      expect(ran(m2, TASK.renew)[0]?.status).toBe('changed');
      expect(ran(m2, TASK.kubeconfig)).toEqual([]);
      expect(ran(m2, TASK.restart)).toEqual([]);
      expect(ran(reportHost(report, 'b-m3'), TASK.backup)).toEqual([]);
      // b-m2's files are renewed, its components still run on what they loaded before.
      const mid = await lab.status();
      expect(loadedSerials(mid, 'b-m2')).toEqual(loadedSerials(before, 'b-m2'));
      expect((await diskSerials(lab, 'b-m2'))['kube-apiserver']).not.toBe(
        loadedSerials(before, 'b-m2')['kube-apiserver'],
      );

      const rerun = await rerunReport(lab, 'b');
      expect(mastersOf('b').map((n) => reportHost(rerun, n).status)).toEqual(['ok', 'changed', 'changed']);
      expect(await consistent(lab, 'b')).toEqual([]);
      const done = await lab.status();
      for (const n of ['b-m2', 'b-m3'])
        expect(loadedSerials(done, n)['kube-apiserver']).not.toBe(loadedSerials(before, n)['kube-apiserver']);
    },
  );

  it(
    'SIGKILL right after a renewal: a re-run (not forced) detects the master left half done and completes it',
    { timeout: 900_000 },
    async () => {
      // Cluster a is renewed by now (nothing due): --force makes the killed run renew a-m1.
      const before = await lab.status();
      await interruptedRun(lab, ['--cluster', 'a', '--force'], taskEnded('a', 'a-m1', TASK.renew), 'SIGKILL', 137);

      const rerun = await rerunReport(lab, 'a');
      expect(ran(reportHost(rerun, 'a-m1'), TASK.preflight)[0]?.message).toMatch(/an earlier renewal did not finish/);
      expect(mastersOf('a').map((n) => reportHost(rerun, n).status)).toEqual(['changed', 'ok', 'ok']);
      expect(await consistent(lab, 'a')).toEqual([]);
      expect(loadedSerials(await lab.status(), 'a-m1')['kube-apiserver']).not.toBe(
        loadedSerials(before, 'a-m1')['kube-apiserver'],
      );
    },
  );
});
