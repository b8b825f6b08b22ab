// A scheduled job: `renew --renew-within 30d --yes` run twice on a fleet where only one cluster is
// due. The first run renews that cluster once and nothing else; the second changes nothing.
// Judged by the nodes (serials with openssl, file hashes, backups, what the components loaded).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type ComponentStatus, type LabStatus } from './support/lab.js';
import { diskSerials, fileSerial, loadedSerials, PKI_LEAF_CERTS, treeHashes } from './support/node-files.js';

const skip = labUnavailableReason();

// due: 20 days left (inside 30d); later: 335 days left.
const TOPOLOGY = `
clusters:
  - { name: due, kubernetesVersion: "1.21.4", runtime: containerd, masters: 1, certAgeDays: 345 }
  - { name: later, kubernetesVersion: "1.18.3", runtime: docker, masters: 1, certAgeDays: 30 }
`;
const MASTERS = ['due-m1', 'later-m1'];
const WATCHED = ['/etc/kubernetes', '/root/.kube', '/var/lib/kube-cert-renew'];

interface RenewJson {
  totals: Record<string, number>;
  clusters: { cluster: string; hosts: { host: string; status: string; backupDir?: string | null }[] }[];
}

async function serials(lab: Lab, node: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of PKI_LEAF_CERTS) out[name] = await fileSerial(lab, node, `/etc/kubernetes/pki/${name}.crt`);
  return { ...out, ...(await diskSerials(lab, node)) };
}

async function backups(lab: Lab, node: string): Promise<string[]> {
  const res = await lab.exec(node, ['sh', '-c', 'ls -1 /var/lib/kube-cert-renew/backups 2>/dev/null; true']);
  return res.stdout.split('\n').filter(Boolean);
}

describe.skipIf(skip)(`scheduled renewal (--renew-within 30d --yes, twice)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let status0: LabStatus;
  const serials0: Record<string, Record<string, string>> = {};
  let laterHashes0: string;
  const renew = (): ReturnType<Lab['tool']> =>
    lab.tool(['--inventory', lab.inventory, '--renew-within', '30d', '--yes', '--json']);

  beforeAll(async () => {
    lab = await Lab.up(TOPOLOGY, { name: 'scheduled' });
    status0 = await lab.status();
    for (const node of MASTERS) serials0[node] = await serials(lab, node);
    laterHashes0 = await treeHashes(lab, 'later-m1', ...WATCHED);
  }, 600_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('the first run renews the due cluster once, and only it', { timeout: 600_000 }, async () => {
    const res = await renew();
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    const doc = JSON.parse(res.stdout) as RenewJson;
    const hosts = doc.clusters.flatMap((c) => c.hosts);
    expect(hosts.find((h) => h.host === 'due-m1')!.status).toBe('changed');
    expect(hosts.find((h) => h.host === 'later-m1')!.status).not.toBe('changed');
    expect(doc.totals.changed).toBeGreaterThan(0);

    // due-m1: every certificate has a new serial, and the components serve them.
    const due = await serials(lab, 'due-m1');
    for (const [name, serial] of Object.entries(serials0['due-m1']!)) expect(due[name], name).not.toBe(serial);
    const status1 = await lab.status();
    expect(loadedSerials(status1, 'due-m1')).toEqual(await diskSerials(lab, 'due-m1'));
    expect(await backups(lab, 'due-m1')).toHaveLength(1);

    // later-m1: not a byte changed, no backup, nothing restarted.
    expect(await serials(lab, 'later-m1')).toEqual(serials0['later-m1']);
    expect(await treeHashes(lab, 'later-m1', ...WATCHED)).toBe(laterHashes0);
    expect(await backups(lab, 'later-m1')).toEqual([]);
    expect(loadedSerials(status1, 'later-m1')).toEqual(loadedSerials(status0, 'later-m1'));
    for (const c of status1.clusters) expect([c.name, c.etcd.quorum]).toEqual([c.name, true]);
  });

  it('the second run changes nothing anywhere', { timeout: 600_000 }, async () => {
    const before = Object.fromEntries(
      await Promise.all(MASTERS.map(async (n) => [n, await treeHashes(lab, n, ...WATCHED)] as const)),
    );
    const serialsBefore = Object.fromEntries(
      await Promise.all(MASTERS.map(async (n) => [n, await serials(lab, n)] as const)),
    );
    const statusBefore = await lab.status();
    const res = await renew();
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    const doc = JSON.parse(res.stdout) as RenewJson;
    expect(doc.totals.changed).toBe(0);
    for (const h of doc.clusters.flatMap((c) => c.hosts)) expect([h.host, h.status]).not.toEqual([h.host, 'changed']);
    const statusAfter = await lab.status();
    for (const node of MASTERS) {
      expect(await serials(lab, node), node).toEqual(serialsBefore[node]);
      expect(await treeHashes(lab, node, ...WATCHED), node).toBe(before[node]);
      expect(loadedSerials(statusAfter, node), node).toEqual(loadedSerials(statusBefore, node));
      // same container instances: nothing was restarted
      const components = (st: LabStatus): Record<string, ComponentStatus | undefined> =>
        st.clusters.flatMap((c) => c.nodes).find((n) => n.name === node)!.components;
      const after = components(statusAfter);
      for (const [component, s] of Object.entries(components(statusBefore))) {
        expect([node, component, after[component]?.pid, after[component]?.startedAt]).toEqual([
          node,
          component,
          s?.pid,
          s?.startedAt,
        ]);
      }
    }
    expect(await backups(lab, 'due-m1')).toHaveLength(1);
  });
});
