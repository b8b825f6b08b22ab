// `renew` on masters shaped like TKEStack's (topologies/tkestack-nodes.yaml): etcd 3.3's client port
// (the JSON gateway under /v3beta only), no etcdctl on the host, so the backup's etcd snapshot comes
// from the etcdctl inside the etcd container (docker exec or crictl exec with the member's own
// certificates), and docker masters that also have crictl on the dockershim socket, where both CLIs
// list the same control-plane containers. Judged by the lab's status and by the snapshot files
// themselves (`etcdctl snapshot status`, with the image's etcdctl).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type LabStatus } from './support/lab.js';
import { diskSerials, loadedSerials } from './support/node-files.js';

const skip = labUnavailableReason();
const E33 = ['e33-m1', 'e33-m2', 'e33-m3'];
const MASTERS = [...E33, 'dock-m1', 'ctrd-m1'];
/** The etcd image's etcdctl in a lab node (test/lab/README.md "Topology files", hostEtcdctl). */
const IMAGE_ETCDCTL = '/var/lib/kcrlab/images/etcd/etcdctl';

interface HostReport {
  host: string;
  status: string;
  backupDir: string | null;
  data: {
    node?: { runtime?: string; runtimeReason?: string };
    etcdBackup?: { kind?: string; via?: string; consistent?: boolean; tried: string[] };
  };
}

function hostsOf(stdout: string): HostReport[] {
  return (JSON.parse(stdout) as { clusters: { hosts: HostReport[] }[] }).clusters.flatMap((c) => c.hosts);
}

/** curl on the node as etcd's healthcheck client: `<HTTP code> <body>`. */
async function etcdGateway(lab: Lab, node: string, path: string): Promise<string> {
  const res = await lab.exec(node, [
    'sh',
    '-c',
    'k=/etc/kubernetes/pki/etcd; curl -sS -w " %{http_code}" --cacert $k/ca.crt --cert $k/healthcheck-client.crt --key $k/healthcheck-client.key -X POST -d "{}" "https://127.0.0.1:2379$1"',
    'sh',
    path,
  ]);
  return res.stdout.trim();
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

  it('the lab is what it claims: etcd 3.3 gateway on e33, no etcdctl on the hosts, dock answers docker and crictl', async () => {
    expect(await etcdGateway(lab, 'e33-m1', '/v3/cluster/member/list')).toBe('404 page not found\n 404');
    expect(await etcdGateway(lab, 'e33-m1', '/v3beta/cluster/member/list')).toMatch(/^\{"header".*"members".* 200$/);
    expect(await etcdGateway(lab, 'dock-m1', '/v3/cluster/member/list')).toMatch(/ 200$/);
    for (const node of MASTERS) {
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

  /** Every component of these masters restarted onto the certificate on disk; etcd kept quorum. */
  const expectRenewed = async (cluster: string, nodes: string[]): Promise<LabStatus> => {
    const after = await lab.status();
    for (const node of nodes) {
      const loaded = loadedSerials(after, node);
      for (const [component, serial] of Object.entries(loadedSerials(before, node)))
        expect(loaded[component], `${node} ${component}`).not.toBe(serial);
      expect(loaded).toEqual(await diskSerials(lab, node));
    }
    expect(after.clusters.find((c) => c.name === cluster)!.etcd.quorum).toBe(true);
    return after;
  };

  it('an etcd 3.3-style cluster renews: every etcd call through /v3beta', { timeout: 400_000 }, async () => {
    const res = await lab.tool(['--inventory', lab.inventory, '--cluster', 'e33', '--yes', '--json', '-v']);
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    await expectRenewed('e33', E33);
    for (const h of hostsOf(res.stdout)) expect(h.status, h.host).toBe('changed');
    // The leader handed leadership over before its restart (status, member list and transfer on /v3beta).
    expect(res.stderr).toContain('etcd leadership handed to another member before the restart');
    expect(res.stderr).not.toContain('could not hand etcd leadership over');
  });

  it(
    'a docker master with crictl renews: docker is chosen, and the report says why',
    { timeout: 300_000 },
    async () => {
      const res = await lab.tool(['--inventory', lab.inventory, '--cluster', 'dock', '--yes', '--json']);
      expect(res.code, res.stderr.slice(-3000)).toBe(0);
      await expectRenewed('dock', ['dock-m1']);
      const [h] = hostsOf(res.stdout);
      expect(h!.status).toBe('changed');
      expect(h!.data.node?.runtime).toBe('docker');
      expect(h!.data.node?.runtimeReason).toMatch(
        /^docker and crictl list the same kube-apiserver container \([0-9a-f]{12}\): crictl reaches docker through dockershim \(RuntimeName docker\)/,
      );
      expect(h!.data.etcdBackup).toEqual({ kind: 'snapshot', via: 'container-etcdctl', consistent: true, tried: [] });
    },
  );

  it('a master without host etcdctl gets a real snapshot, by the etcdctl in its etcd container', async () => {
    const res = await lab.tool(['--inventory', lab.inventory, '--cluster', 'ctrd', '--yes', '--json']);
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    // e33's and dock's runs above took theirs the same way (docker exec); ctrd's by crictl exec.
    const earlier = await Promise.all(
      [...E33, 'dock-m1'].map(async (node) => {
        const list = await lab.exec(node, ['sh', '-c', 'ls -1d /var/lib/kube-cert-renew/backups/*/ | tail -n 1']);
        return { host: node, dir: list.stdout.trim().replace(/\/$/, '') };
      }),
    );
    const ctrd = hostsOf(res.stdout).find((h) => h.host === 'ctrd-m1')!;
    expect(ctrd.data.etcdBackup).toEqual({ kind: 'snapshot', via: 'container-etcdctl', consistent: true, tried: [] });
    for (const { host, dir } of [...earlier, { host: 'ctrd-m1', dir: ctrd.backupDir! }]) {
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
