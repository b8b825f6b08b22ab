// Remote output the tool parses, made garbage on a real lab node: a kubeadm that prints junk (after
// really renewing), a docker that lists non-ids, a truncated certificate file, a `date` that prints
// no number. Each must be a clear failure of that step, never a wrong "ok"; a renewal in flight is
// rolled back (files on disk as before, judged by the node), and a run after the repair completes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type LabStatus, type RunResult } from './support/lab.js';
import { ONE_MASTER_GLOBAL, ONE_MASTER_NODE } from './support/small-lab.js';
import { diskSerials, loadedSerials, normSerial, treeHashes } from './support/node-files.js';

const skip = labUnavailableReason();
const NODE = ONE_MASTER_NODE;
const TOPOLOGY = ONE_MASTER_GLOBAL;

/** Puts `script` in place of /usr/local/bin/<name>, keeping the lab's own as <name>.real. */
async function replaceShim(lab: Lab, name: string, script: string): Promise<void> {
  const res = await lab.exec(NODE, [
    'sh',
    '-c',
    'f=/usr/local/bin/$1; [ -e "$f.real" ] || mv "$f" "$f.real"; printf "%s" "$2" > "$f" && chmod 755 "$f"',
    'sh',
    name,
    script,
  ]);
  expect(res.code, res.stderr).toBe(0);
}
/** Replaces <name> with a shim that runs the `case` arm `arm` for the arguments it matches, the real tool otherwise. */
function wrapShim(lab: Lab, name: string, arm: string): Promise<void> {
  const script = ['#!/bin/sh', 'case "$*" in', `  ${arm}`, 'esac', `exec /usr/local/bin/${name}.real "$@"`, ''];
  return replaceShim(lab, name, script.join('\n'));
}
async function restoreShims(lab: Lab): Promise<void> {
  const res = await lab.exec(NODE, [
    'sh',
    '-c',
    'for r in /usr/local/bin/*.real; do [ -e "$r" ] && mv -f "$r" "${r%.real}"; done; true',
  ]);
  expect(res.code, res.stderr).toBe(0);
}

interface Report {
  clusters: {
    hosts: {
      host: string;
      status: string;
      failure?: { task: string; message: string };
      tasks: { task: string; status: string; phase: string }[];
    }[];
  }[];
}
type HostReport = Report['clusters'][number]['hosts'][number];
interface NodeState {
  pki: string;
  serials: Record<string, string>;
}
function hostReport(res: RunResult): HostReport {
  const doc = JSON.parse(res.stdout) as Report;
  return doc.clusters.flatMap((c) => c.hosts).find((h) => h.host === NODE)!;
}

describe.skipIf(skip)(`garbage from the tools on a node${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let renew: (...extra: string[]) => Promise<RunResult>;
  const pkiHashes = () => treeHashes(lab, NODE, '/etc/kubernetes', '/root/.kube');
  /** A renewal that must fail (exit 2): the run and the node's report. */
  const failedRenew = async (): Promise<{ res: RunResult; host: HostReport }> => {
    const res = await renew();
    expect(res.code, res.stderr.slice(-2000)).toBe(2);
    return { res, host: hostReport(res) };
  };
  /** The node's certificate files (hashes) and the serials its components load. */
  const nodeState = async (): Promise<NodeState> => ({
    pki: await pkiHashes(),
    serials: loadedSerials(await lab.status(), NODE),
  });
  /**
   * The master was rolled back: the restore step ran, the node's files are those of `before`, and its
   * components still load the serials of `before`, which are on disk again. The status after, for more checks.
   */
  const expectRolledBack = async (host: HostReport, before: NodeState): Promise<LabStatus> => {
    expect(host.tasks.find((t) => t.task === 'Restore this master from its backup')?.status).toBe('changed');
    expect(await pkiHashes()).toBe(before.pki);
    const after = await lab.status();
    expect(loadedSerials(after, NODE)).toEqual(before.serials);
    expect(loadedSerials(after, NODE)).toEqual(await diskSerials(lab, NODE));
    return after;
  };

  beforeAll(async () => {
    lab = await Lab.up(TOPOLOGY, { name: 'remote-garbage' });
    renew = (...extra) =>
      lab.tool(['--inventory', lab.inventory, '--yes', '--json', '--renew-within', '400d', ...extra]);
  }, 240_000);
  afterEach(async () => {
    await restoreShims(lab);
  });
  afterAll(async () => {
    await lab?.down();
  });

  it(
    'a kubeadm that renews but prints junk (exit 0): kubeadm_renew fails with "unexpected kubeadm output" and the master is rolled back',
    { timeout: 300_000 },
    async () => {
      const before = await nodeState();
      await wrapShim(
        lab,
        'kubeadm',
        '*renew*) /usr/local/bin/kubeadm.real "$@" >/dev/null 2>&1; openssl x509 -noout -serial -in /etc/kubernetes/pki/apiserver.crt > /tmp/junk-kubeadm-serial; echo "@@@ segfault?? 0x7f"; echo "certificate for serving the Kubernetes API renewd"; exit 0 ;;',
      );
      const { res, host } = await failedRenew();
      expect(host.status).toBe('failed');
      expect(host.failure?.task).toBe('Renew certificates with kubeadm');
      expect(host.failure?.message).toContain('unexpected kubeadm output: @@@ segfault?? 0x7f');
      // Rolled back: the rescue restored the backup, and the node's files are those of before the run.
      // The junk kubeadm did renew (it noted the new serial), so equal files below mean a real rollback.
      const renewedSerial = await lab.exec(NODE, ['cat', '/tmp/junk-kubeadm-serial']);
      expect(normSerial(renewedSerial.stdout)).toMatch(/^[0-9a-f]+$/);
      expect(normSerial(renewedSerial.stdout)).not.toBe(before.serials['kube-apiserver']);
      const after = await expectRolledBack(host, before);
      expect(after.clusters[0]!.nodes[0]!.components['kube-apiserver']!.healthy).toBe(true);
      expect(res.stderr).toMatch(/\[g\/g-m1\] Renew certificates with kubeadm failed .*unexpected kubeadm output/);
    },
  );

  it(
    'a docker that lists non-ids: restart_control_plane fails naming docker and etcd, the master is rolled back',
    { timeout: 300_000 },
    async () => {
      const before = await nodeState();
      // Only the restart step lists etcd containers; node facts list the kube-apiserver's.
      await wrapShim(
        lab,
        'docker',
        '*ps*name=etcd*) echo "WARNING: API is accessible on http://0.0.0.0:2375"; echo "not-an-id"; exit 0 ;;',
      );
      const { host } = await failedRenew();
      expect(host.failure?.task).toBe('Restart etcd, API server, controller-manager, scheduler');
      expect(host.failure?.message).toMatch(/docker could not list etcd: .*not-an-id/);
      // Nothing was restarted (the first list failed), so the components still load the files on disk.
      await expectRolledBack(host, before);
    },
  );

  it(
    'a truncated certificate file: preflight refuses, naming the file, and nothing changes',
    { timeout: 180_000 },
    async () => {
      const cut = await lab.exec(NODE, [
        'sh',
        '-c',
        'cp -p /etc/kubernetes/pki/apiserver.crt /tmp/apiserver.crt.whole && head -c 700 /tmp/apiserver.crt.whole > /etc/kubernetes/pki/apiserver.crt',
      ]);
      expect(cut.code, cut.stderr).toBe(0);
      try {
        const before = await pkiHashes();
        const { host } = await failedRenew();
        expect(host.failure?.task).toBe('Check the master can be renewed safely');
        expect(host.failure?.message).toMatch(
          /apiserver \(\/etc\/kubernetes\/pki\/apiserver\.crt\): not a PEM certificate/,
        );
        expect(
          host.tasks.some((t) => t.task === 'Back up certificates, kubeconfigs and etcd' && t.status !== 'skipped'),
        ).toBe(false);
        expect(await pkiHashes()).toBe(before);
      } finally {
        await lab.exec(NODE, ['sh', '-c', 'mv -f /tmp/apiserver.crt.whole /etc/kubernetes/pki/apiserver.crt']);
      }
    },
  );

  it('a PEM certificate whose body is garbage: preflight refuses it as unparseable', { timeout: 180_000 }, async () => {
    const bad = await lab.exec(NODE, [
      'sh',
      '-c',
      'cp -p /etc/kubernetes/pki/front-proxy-client.crt /tmp/fpc.whole && printf -- "-----BEGIN CERTIFICATE-----\\nTUlJQmFkQ2VydA==\\n-----END CERTIFICATE-----\\n" > /etc/kubernetes/pki/front-proxy-client.crt',
    ]);
    expect(bad.code, bad.stderr).toBe(0);
    try {
      const { host } = await failedRenew();
      expect(host.failure?.message).toMatch(
        /front-proxy-client \(\/etc\/kubernetes\/pki\/front-proxy-client\.crt\): unparseable certificate/,
      );
    } finally {
      await lab.exec(NODE, ['sh', '-c', 'mv -f /tmp/fpc.whole /etc/kubernetes/pki/front-proxy-client.crt']);
    }
  });

  it(
    'a date that prints no number: preflight refuses (no clock, no judgement of skew)',
    { timeout: 180_000 },
    async () => {
      await replaceShim(lab, 'date', '#!/bin/sh\necho "Thu Jan  1 garbage"\n');
      const before = await pkiHashes();
      const { host } = await failedRenew();
      expect(host.failure?.message).toContain("cannot read the node's clock");
      expect(await pkiHashes()).toBe(before);
    },
  );

  it('once repaired, a run renews the master', { timeout: 300_000 }, async () => {
    const serials = loadedSerials(await lab.status(), NODE);
    const res = await renew();
    expect(res.code, res.stderr.slice(-2000)).toBe(0);
    const after = await lab.status();
    expect(loadedSerials(after, NODE)['kube-apiserver']).not.toBe(serials['kube-apiserver']);
    expect(loadedSerials(after, NODE)).toEqual(await diskSerials(lab, NODE));
  });
});
