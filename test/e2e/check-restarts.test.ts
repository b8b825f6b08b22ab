// `renew check` proves restarts by time, not by what is served: on the REAL 1.20.2 control plane
// (the lab's `components: real`), the real kubeadm renews every certificate and only the scheduler
// is restarted. The real API server reloads its serving certificate within a minute, so what it
// serves matches the file although it was never restarted; check must still name etcd, the API
// server and the controller-manager (their starts against their files' mtimes) and exit 12.
// (Restarting the API server here would end the controller-manager too: the real one exits when it
// cannot renew its lease for 10 s, and the kubelet starts it again on the new kubeconfig.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type RunResult } from './support/lab.js';
import { fileSerial, servedSerial } from './support/node-files.js';

const skip = labUnavailableReason();
const NODE = 'real-m1';

interface CheckDoc {
  exitCode: number;
  notRestarted: string[];
  entries: { node: string; name: string; problems: string[] }[];
  nodes: { node: string; notRestarted: string[]; problems: string[] }[];
}

describe.skipIf(skip)(`check on a renewal left half-restarted${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let labUp: Promise<Lab> | undefined;
  let before: RunResult;
  let after: RunResult;
  let renewedAtSec = 0;
  let servedMatchesFile = false;

  const started = async (component: string): Promise<string> => {
    const res = await lab.exec(NODE, [
      'sh',
      '-c',
      'id=$(docker ps -q -f "label=io.kubernetes.container.name=$1"); [ -n "$id" ] && docker inspect -f "{{.State.StartedAt}}" $id',
      'sh',
      component,
    ]);
    return res.stdout.trim();
  };

  beforeAll(async () => {
    labUp = Lab.up('real-single.yaml', { name: 'check-restarts' });
    lab = await labUp;
    before = await lab.tool(['check', '--inventory', lab.inventory, '--deep', '--json']);
    renewedAtSec = Math.floor(Date.now() / 1000);
    const renew = await lab.exec(NODE, ['kubeadm', 'certs', 'renew', 'all']);
    expect(renew.code, renew.stderr).toBe(0);
    const old = await started('kube-scheduler');
    const rm = await lab.exec(NODE, [
      'sh',
      '-c',
      'docker rm -f $(docker ps -q -f "label=io.kubernetes.container.name=$1")',
      'sh',
      'kube-scheduler',
    ]);
    expect(rm.code, rm.stderr).toBe(0);
    for (let i = 0; i < 120 && [old, ''].includes(await started('kube-scheduler')); i++)
      await new Promise((r) => setTimeout(r, 500));
    // The real API server picks the renewed apiserver.crt up by itself (every minute, 1.17+).
    const file = await fileSerial(lab, NODE, '/etc/kubernetes/pki/apiserver.crt');
    for (let i = 0; i < 90 && (await servedSerial(lab, NODE, 6443)) !== file; i++)
      await new Promise((r) => setTimeout(r, 1000));
    servedMatchesFile = (await servedSerial(lab, NODE, 6443)) === file;
    after = await lab.tool(['check', '--inventory', lab.inventory, '--deep', '--json']);
  }, 600_000);
  afterAll(async () => {
    await (await labUp?.catch(() => undefined))?.down();
  }, 300_000);

  it('before the renewal: every component started after its credentials changed, exit 0', () => {
    expect(before.code, before.stderr.slice(-2000)).toBe(0);
    expect((JSON.parse(before.stdout) as CheckDoc).notRestarted).toEqual([]);
  });

  it('after it: the real API server serves the renewed file, yet it, etcd and the controller-manager are named; exit 12', async () => {
    expect(servedMatchesFile, 'the real API server reloaded apiserver.crt without a restart').toBe(true);
    expect(after.code, after.stderr.slice(-2000)).toBe(12);
    const doc = JSON.parse(after.stdout) as CheckDoc;
    expect(doc.exitCode).toBe(12);
    const stale = ['etcd', 'kube-apiserver', 'kube-controller-manager'];
    expect(doc.notRestarted).toEqual(stale.map((c) => `real/${NODE} ${c}`));
    const node = doc.nodes.find((n) => n.node === NODE)!;
    expect(node.notRestarted).toEqual(stale);
    expect(node.problems.join('\n')).toMatch(
      /kube-controller-manager not restarted since its credentials changed: its container started \S+, before \/etc\/kubernetes\/controller-manager\.conf changed/,
    );
    // What clients see on :6443 is the file: no served-vs-disk problem, the restart proof alone speaks.
    expect(doc.entries.find((e) => e.node === NODE && e.name === 'kube-apiserver:6443')?.problems).toEqual([]);
    // The lab's own view: those containers really are older than the renewal, the scheduler's is not.
    for (const c of stale) expect(Date.parse(await started(c)) / 1000, c).toBeLessThan(renewedAtSec);
    expect(Date.parse(await started('kube-scheduler')) / 1000).toBeGreaterThanOrEqual(renewedAtSec);
    expect(after.stderr).toMatch(
      /, 3 component\(s\) not restarted since their credentials changed \(real\/real-m1 etcd, real\/real-m1 kube-apiserver, real\/real-m1 kube-controller-manager\); soonest real\/real-m1 \S+ \d+d \(exit code 12\)$/m,
    );
  });
});
