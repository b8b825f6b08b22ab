// The kubelet gate of restart_control_plane with systemd as it really is (`systemd: real`:
// Restart=always, RestartSec=10, never `failed`): a kubelet that crash-loops is `active` for part
// of every cycle and answers healthz then, so `is-active` would let the run remove static-pod
// containers nothing recreates. The run must stop before removing any; once the kubelet is healthy
// again (switch off, manual restart), the same renewal goes through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason } from './support/lab.js';
import { reportTasks } from './support/task-report.js';

const skip = labUnavailableReason();
const NODE = 'loop-m1';
// 1.18.3 docker, 25 days left: due under the default threshold.
const TOPOLOGY = `
clusters:
  - name: loop
    kubernetesVersion: "1.18.3"
    runtime: docker
    masters: 1
    certAgeDays: 340
    systemd: real
`;
/** The lab's crash-loop switch (test/lab/README.md): every kubelet start exits 255 this long after. */
const EXIT_AFTER_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)(`renew with a crash-looping kubelet${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let labUp: Promise<Lab> | undefined;

  const unit = async (): Promise<Record<string, string>> => {
    const res = await lab.exec(NODE, ['systemctl', 'show', 'kubelet', '-p', 'NRestarts,ActiveState']);
    return Object.fromEntries(
      res.stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  };
  /** Every container of the node (ids), sorted. */
  const containers = async (): Promise<string[]> =>
    (await lab.exec(NODE, ['docker', 'ps', '-q', '--no-trunc'])).stdout.trim().split('\n').sort();

  beforeAll(async () => {
    labUp = Lab.up(TOPOLOGY, { name: 'kubelet-health' });
    lab = await labUp;
  }, 300_000);
  afterAll(async () => {
    await (await labUp?.catch(() => undefined))?.down();
  }, 300_000);

  it('a crash-looping kubelet stops the run before any container is removed', async () => {
    const on = await lab.exec(NODE, [
      'sh',
      '-c',
      'echo "$1" > /var/lib/kcrlab/kubelet-exit-after-ms && systemctl restart kubelet',
      'sh',
      String(EXIT_AFTER_MS),
    ]);
    expect(on.code, on.stderr).toBe(0);
    // Start the run just after systemd restarted it: `active`, healthz ok, as preflight will see it.
    for (let i = 0; i < 600; i++) {
      const u = await unit();
      if (Number(u.NRestarts) >= 1 && u.ActiveState === 'active') break;
      await sleep(100);
    }
    expect(Number((await unit()).NRestarts)).toBeGreaterThanOrEqual(1);
    const before = await containers();
    expect(before.length).toBeGreaterThanOrEqual(4);

    const res = await lab.tool(['--inventory', lab.inventory, '--yes', '--json']);
    expect(res.code, res.stderr.slice(-2000)).toBe(2);
    const tasks = reportTasks(res.stdout);
    expect(tasks.find((t) => t.module === 'kubeadm_renew')?.status, 'preflight let the master through').toBe('changed');
    const gate = tasks.find((t) => t.module === 'restart_control_plane')!;
    expect(gate.status).toBe('failed');
    expect(gate.message).toMatch(
      /^kubelet is crash-looping: (systemd restarted it \d+ time\(s\) in \d+s \(NRestarts \d+ -> \d+\)|it was started again while watched .*); refusing to remove containers it would not recreate$/,
    );
    // Not one container removed (the kubelet recreates nothing while it is down), and the master
    // was restored from its backup.
    expect(await containers()).toEqual(before);
    expect(tasks.find((t) => t.module === 'restore_backup')?.status).toBe('changed');
  }, 300_000);

  it('once the kubelet is healthy again, the same renewal restarts the control plane', async () => {
    const off = await lab.exec(NODE, [
      'sh',
      '-c',
      'rm -f /var/lib/kcrlab/kubelet-exit-after-ms && systemctl restart kubelet',
    ]);
    expect(off.code, off.stderr).toBe(0);
    const before = await containers();
    const res = await lab.tool(['--inventory', lab.inventory, '--yes', '--json']);
    expect(res.code, res.stderr.slice(-2000)).toBe(0);
    const gate = reportTasks(res.stdout).find((t) => t.module === 'restart_control_plane')!;
    expect(gate.status).toBe('changed');
    const after = await containers();
    expect(after.filter((id) => before.includes(id)).length).toBeLessThan(before.length);
  }, 300_000);
});
