// Fault matrix (issue 6, item 2): the SSH connection to a master dropped in the middle of each
// mutating step. The lab's `ssh-drop-during <step>` fault makes the node program running that step
// (etcdctl snapshot in the backup, kubeadm in the renewal, install in the kubeconfig copy, docker rm
// in the restart) cut its own SSH session, so the drop lands inside the step every time.
// Expected: the master is reported unreachable at that step, its cluster stops (the other masters
// untouched), and a re-run detects what was left half done and finishes it, judged by the lab.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, sampleWhile, type LabStatus } from './support/lab.js';
import { diskSerials, invariantViolations, loadedSerials, treeHashes } from './support/node-files.js';
import {
  TASK,
  masterInconsistencies,
  newestBackup,
  parseReport,
  ran,
  reportHost,
  settledStatus,
} from './support/fault-checks.js';
import { haTopology } from './support/small-lab.js';

const skip = labUnavailableReason();
const MASTERS = ['ha-m1', 'ha-m2', 'ha-m3'];
// A 3-master cluster (etcd keeps quorum while one member restarts); certificates 30 days old, so
// nothing is due by expiry: the first run uses --force, the re-run does not, and only what the
// interrupted run left behind can make a master due again.
const TOPOLOGY = haTopology(30);

const STEPS = [
  { step: 'backup', task: TASK.backup },
  { step: 'renew', task: TASK.renew },
  { step: 'kubeconfig', task: TASK.kubeconfig },
  { step: 'restart', task: TASK.restart },
] as const;

describe.skipIf(skip)(`SSH connection dropped during each mutating step${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.up(TOPOLOGY, { name: 'faults-drop' });
  });
  afterAll(async () => {
    await lab?.down();
  });

  for (const { step, task } of STEPS) {
    it(
      `dropped during ${step} on ha-m1: reported unreachable at that step, cluster stopped, a re-run finishes the master`,
      { timeout: 600_000 },
      async () => {
        const before: LabStatus = await lab.status();
        const m1Before = await diskSerials(lab, 'ha-m1');
        const othersBefore = await Promise.all(
          ['ha-m2', 'ha-m3'].map((n) => treeHashes(lab, n, '/etc/kubernetes', '/root/.kube')),
        );
        const backupBefore = await newestBackup(lab, 'ha-m1');

        await lab.fault('ha-m1', 'ssh-drop-during', ['--step', step]);
        const first = await sampleWhile(
          lab,
          lab.tool(['--inventory', lab.inventory, '--yes', '--json', '--force']),
          1000,
        );
        expect(first.result.code, first.result.stderr.slice(-3000)).toBe(3);
        expect(invariantViolations(first.samples)).toEqual([]);
        // The fault fired (it is consumed when the node program cuts the session).
        const faults = await lab.exec('ha-m1', ['cat', '/var/lib/kcrlab/faults.json']);
        expect(faults.stdout).not.toMatch(/sshDropDuring/);

        const report = parseReport(first.result.stdout);
        const m1 = reportHost(report, 'ha-m1');
        expect(m1.status).toBe('unreachable');
        expect(m1.failure?.task).toBe(task);
        expect(m1.failure?.message).toMatch(/connection lost/);
        expect(report.clusters[0]!.stoppedReason).toMatch(new RegExp(`ha-m1 unreachable at "${task}"`));
        expect(first.result.stderr).toMatch(new RegExp(`\\[ha/ha-m1\\] ${task} unreachable`));
        // The rollout stopped at ha-m1: the other masters were not touched.
        for (const n of ['ha-m2', 'ha-m3']) expect(ran(reportHost(report, n), TASK.backup)).toEqual([]);
        expect(
          await Promise.all(['ha-m2', 'ha-m3'].map((n) => treeHashes(lab, n, '/etc/kubernetes', '/root/.kube'))),
        ).toEqual(othersBefore);
        for (const n of ['ha-m2', 'ha-m3'])
          expect(loadedSerials(await lab.status(), n)).toEqual(loadedSerials(before, n));

        // The re-run. After a drop in the backup nothing changed, so the operator's own command
        // (--force) is run again; after the other steps the master is half done and the re-run
        // without --force must find it by itself.
        const again = await sampleWhile(
          lab,
          lab.tool(['--inventory', lab.inventory, '--yes', '--json', ...(step === 'backup' ? ['--force'] : [])]),
          1000,
        );
        expect(again.result.code, again.result.stderr.slice(-3000)).toBe(0);
        expect(invariantViolations(again.samples)).toEqual([]);
        const rerun = parseReport(again.result.stdout);
        expect(reportHost(rerun, 'ha-m1').status).toBe('changed');
        if (step !== 'backup') {
          expect(ran(reportHost(rerun, 'ha-m1'), TASK.preflight)[0]?.message).toMatch(
            /an earlier renewal did not finish: a run stopped before it finished this master/,
          );
          for (const n of ['ha-m2', 'ha-m3']) expect(reportHost(rerun, n).status).toBe('ok');
        }

        const after = await settledStatus(lab, 'ha');
        const problems = (await Promise.all(MASTERS.map((n) => masterInconsistencies(lab, after, n)))).flat();
        expect(problems).toEqual([]);
        const m1After = await diskSerials(lab, 'ha-m1');
        for (const [component, serial] of Object.entries(m1Before))
          expect(m1After[component], component).not.toBe(serial);
        expect(await newestBackup(lab, 'ha-m1')).not.toBe(backupBefore); // a backup was taken
        // Finished and healthy: the in-progress mark is gone.
        expect((await lab.exec('ha-m1', ['test', '-e', '/var/lib/kube-cert-renew/backups/IN-PROGRESS'])).code).toBe(1);
      },
    );
  }
});
