// `renew` on masters shaped like TKEStack's (topologies/tkestack-nodes.yaml): no etcdctl on the host,
// so the backup's etcd snapshot comes from the etcdctl inside the etcd container (docker exec or
// crictl exec with the member's own certificates), and docker masters that also have crictl on the
// dockershim socket, where both CLIs list the same control-plane containers. Judged by the lab's
// status and by the snapshot files themselves (`etcdctl snapshot status`, the image's etcdctl).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type LabStatus } from './support/lab.js';
import { diskSerials, loadedSerials } from './support/node-files.js';

const skip = labUnavailableReason();
const DOCK = ['dock-m1', 'dock-m2', 'dock-m3'];
/** The etcd image's etcdctl in a lab node (test/lab/README.md "Topology files", hostEtcdctl). */
const IMAGE_ETCDCTL = '/var/lib/kcrlab/images/etcd/etcdctl';

interface HostReport {
  host: string;
  status: string;
  backupDir: string | null;
  data: {
    node?: { runtime?: string; runtimeReason?: string };
    etcdBackup?: { kind?: string; via?: string; tried: string[] };
  };
}

function hostsOf(stdout: string): HostReport[] {
  return (JSON.parse(stdout) as { clusters: { hosts: HostReport[] }[] }).clusters.flatMap((c) => c.hosts);
}

describe.skipIf(skip)(`renew on TKEStack-like masters${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let labUp: Promise<Lab> | undefined;
  let before: LabStatus;

  beforeAll(async () => {
    labUp = Lab.up('tkestack-nodes.yaml', { name: 'renew-tkestack-nodes' });
    lab = await labUp;
    before = await lab.status();
  }, 600_000);
  afterAll(async () => {
    await (await labUp?.catch(() => undefined))?.down();
  }, 300_000);

  it('the lab is what it claims: no etcdctl on the hosts; docker masters answer both docker and crictl', async () => {
    for (const node of [...DOCK, 'ctrd-m1']) {
      const which = await lab.exec(node, ['sh', '-c', 'command -v etcdctl']);
      expect(which.code, `${node}: ${which.stdout}`).not.toBe(0);
    }
    const docker = await lab.exec('dock-m1', [
      'docker',
      'ps',
      '-q',
      '--no-trunc',
      '-f',
      'label=io.kubernetes.container.name=kube-apiserver',
    ]);
    const crictl = await lab.exec('dock-m1', [
      'crictl',
      'ps',
      '-q',
      '--label',
      'io.kubernetes.container.name=kube-apiserver',
    ]);
    expect(docker.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(crictl.stdout.trim()).toBe(docker.stdout.trim());
  });

  it(
    'a docker master with crictl renews: docker is chosen, and the report says why',
    { timeout: 400_000 },
    async () => {
      const res = await lab.tool(['--inventory', lab.inventory, '--cluster', 'dock', '--yes', '--json']);
      expect(res.code, res.stderr.slice(-3000)).toBe(0);
      const after = await lab.status();
      for (const node of DOCK) {
        const loaded = loadedSerials(after, node);
        for (const [component, serial] of Object.entries(loadedSerials(before, node)))
          expect(loaded[component], `${node} ${component}`).not.toBe(serial);
        expect(loaded).toEqual(await diskSerials(lab, node));
      }
      expect(after.clusters.find((c) => c.name === 'dock')!.etcd.quorum).toBe(true);
      for (const h of hostsOf(res.stdout)) {
        expect(h.status, h.host).toBe('changed');
        expect(h.data.node?.runtime).toBe('docker');
        expect(h.data.node?.runtimeReason).toMatch(
          /^docker and crictl list the same kube-apiserver container \([0-9a-f]{12}\): crictl reaches docker through dockershim \(RuntimeName docker\)/,
        );
      }
    },
  );

  it('a master without host etcdctl gets a real snapshot, by the etcdctl in its etcd container', async () => {
    const res = await lab.tool(['--inventory', lab.inventory, '--cluster', 'ctrd', '--yes', '--json']);
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    // dock's run above took its backups the same way (docker exec); ctrd's by crictl exec.
    const dockRuns = await Promise.all(
      DOCK.map(async (node) => {
        const list = await lab.exec(node, ['sh', '-c', 'ls -1d /var/lib/kube-cert-renew/backups/*/ | tail -n 1']);
        return { host: node, dir: list.stdout.trim().replace(/\/$/, '') };
      }),
    );
    const ctrd = hostsOf(res.stdout).find((h) => h.host === 'ctrd-m1')!;
    expect(ctrd.data.etcdBackup).toEqual({ kind: 'snapshot', via: 'container-etcdctl', tried: [] });
    for (const { host, dir } of [...dockRuns, { host: 'ctrd-m1', dir: ctrd.backupDir! }]) {
      expect(dir, host).toMatch(/^\/var\/lib\/kube-cert-renew\/backups\/\S+$/);
      // The file is a snapshot etcdctl accepts, covered by the backup's checksums, with keys in it.
      const status = await lab.exec(host, [
        'sh',
        '-c',
        'cd "$1" && sha256sum -c --quiet SHA256SUMS && ETCDCTL_API=3 "$2" snapshot status etcd-snapshot.db -w json',
        'sh',
        dir,
        IMAGE_ETCDCTL,
      ]);
      expect(status.code, `${host}: ${status.stderr}`).toBe(0);
      const doc = JSON.parse(status.stdout) as { hash: number; revision: number; totalKey: number; totalSize: number };
      expect(doc.totalKey, host).toBeGreaterThan(10);
      expect(doc.revision, host).toBeGreaterThan(1);
      // Not a live copy, and nothing left in the member's data directory.
      const files = await lab.exec(host, ['sh', '-c', 'ls "$1"; ls /var/lib/etcd', 'sh', dir]);
      expect(files.stdout).not.toMatch(/etcd-data\.tar\.gz|kcr-snapshot/);
    }
  }, 300_000);
});
