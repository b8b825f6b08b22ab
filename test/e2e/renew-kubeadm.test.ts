// kubeadm absent or of another minor version on a master: `renew` refuses in preflight (nothing
// changed), and once the inventory allows provisioning (download from the lab's mirror with the
// SHA-256 checked, or upload of a local binary) installs the right kubeadm beside the node's own
// and renews with it.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, run, type LabStatus } from './support/lab.js';
import { diskSerials, loadedSerials, sha256, treeHashes } from './support/node-files.js';

const skip = labUnavailableReason();

// noadm: no kubeadm at all; skew and upl: a kubeadm of another minor version than the cluster.
const TOPOLOGY = `
defaults:
  certAgeDays: 350
clusters:
  - { name: noadm, kubernetesVersion: "1.21.4", runtime: containerd, kubeadmVersion: none }
  - { name: skew, kubernetesVersion: "1.18.3", runtime: docker, kubeadmVersion: "1.19.7" }
  - { name: upl, kubernetesVersion: "1.20.6", runtime: containerd, kubeadmVersion: "1.21.4" }
`;
const VERSION: Record<string, string> = { noadm: '1.21.4', skew: '1.18.3', upl: '1.20.6' };
const MASTERS = Object.keys(VERSION).map((c) => `${c}-m1`);
const WATCHED = ['/etc/kubernetes', '/root/.kube', '/var/lib/kube-cert-renew', '/usr/local/bin'];
const installed = (cluster: string): string => `/var/lib/kube-cert-renew/bin/kubeadm-v${VERSION[cluster]}`;

describe.skipIf(skip)(`renew with kubeadm absent or mismatched${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let labUp: Promise<Lab> | undefined;
  let before: LabStatus;
  let mirrorUrl: string;
  let provisionInventory: string;
  const ownKubeadm = new Map<string, string>();

  const mirrorFile = (version: string): string =>
    path.join(lab.dir, 'mirror', `kubernetes-release/release/v${version}/bin/linux/amd64/kubeadm`);
  const hashesOfAll = (): Promise<string[]> => Promise.all(MASTERS.map((n) => treeHashes(lab, n, ...WATCHED)));

  beforeAll(async () => {
    labUp = Lab.up(TOPOLOGY, { name: 'renew-kubeadm' });
    lab = await labUp;
    before = await lab.status();
    for (const n of ['skew-m1', 'upl-m1']) ownKubeadm.set(n, await sha256(lab, n, '/usr/local/bin/kubeadm'));

    // The operator's copy of the lab's inventory, allowing provisioning: noadm and skew download
    // from the lab's mirror (the URL pattern already in the inventory), upl uploads a local binary
    // (a kubeadm fetched from the mirror with curl, as an operator would stage it).
    const doc = YAML.parse(readFileSync(lab.inventory, 'utf8')) as {
      defaults: { kubeadm: { mirrorUrl: string } };
      clusters: { name: string; kubeadm?: unknown }[];
    };
    mirrorUrl = doc.defaults.kubeadm.mirrorUrl;
    const local = path.join(lab.dir, 'staged-kubeadm-v1.20.6');
    const fetched = await run('curl', [
      '-fsS',
      '-o',
      local,
      mirrorUrl.replace('{version}', '1.20.6').replace('{arch}', 'amd64'),
    ]);
    if (fetched.code !== 0) throw new Error(`curl from the lab's mirror failed: ${fetched.stderr}`);
    for (const c of doc.clusters) {
      c.kubeadm = c.name === 'upl' ? { provision: 'upload', localBinary: local } : { provision: 'download', mirrorUrl };
    }
    provisionInventory = path.join(lab.dir, 'inventory-provision.yaml');
    writeFileSync(provisionInventory, YAML.stringify(doc));
  }, 600_000);
  afterAll(async () => {
    // Also when beforeAll timed out while the lab was still coming up.
    await (await labUp?.catch(() => undefined))?.down();
  }, 300_000);

  it(
    'refuses both in preflight with a one-line reason naming host and versions; exit 2, nothing changed',
    { timeout: 600_000 },
    async () => {
      const hashes = await hashesOfAll();
      const res = await lab.tool(['--inventory', lab.inventory, '--yes', '--json']);
      expect(res.code, res.stderr.slice(-2000)).toBe(2);
      const lines = res.stderr.split('\n');
      const reason = (host: string, text: string): string | undefined =>
        lines.find((l) => l.includes(host) && l.includes(text) && l.includes('refusing'));
      expect(reason('noadm-m1', 'kubeadm is not installed (cluster is 1.21.4)'), res.stderr.slice(-3000)).toBeDefined();
      expect(
        reason('skew-m1', "kubeadm 1.19.7 does not match the cluster's 1.18.3"),
        res.stderr.slice(-3000),
      ).toBeDefined();
      expect(
        reason('upl-m1', "kubeadm 1.21.4 does not match the cluster's 1.20.6"),
        res.stderr.slice(-3000),
      ).toBeDefined();
      const report = JSON.parse(res.stdout) as {
        clusters: { cluster: string; hosts: { host: string; status: string }[] }[];
      };
      for (const c of report.clusters)
        expect(
          c.hosts.map((h) => h.status),
          c.cluster,
        ).toEqual(['failed']);

      expect(await hashesOfAll()).toEqual(hashes);
      const now = await lab.status();
      for (const n of MASTERS) expect(loadedSerials(now, n)).toEqual(loadedSerials(before, n));
    },
  );

  it(
    'refuses a kubeadm from the mirror whose SHA-256 does not match the published one; nothing installed or renewed',
    { timeout: 600_000 },
    async () => {
      // A corrupted mirror: the served binary no longer matches the .sha256 published beside it.
      const file = mirrorFile('1.21.4');
      const pristine = `${file}.pristine`;
      copyFileSync(file, pristine);
      writeFileSync(file, `${readFileSync(file, 'utf8')}\n# corrupted in transit\n`);
      const hashes = await treeHashes(lab, 'noadm-m1', ...WATCHED);
      let res;
      try {
        res = await lab.tool(['--inventory', provisionInventory, '--cluster', 'noadm', '--yes']);
      } finally {
        copyFileSync(pristine, file);
      }
      expect(res.code, res.stderr.slice(-2000)).toBe(2);
      expect(res.stderr).toMatch(/noadm-m1.*SHA-256 mismatch for http:\/\/\S+\/v1\.21\.4\/bin\/linux\/amd64\/kubeadm/);
      expect((await lab.exec('noadm-m1', ['test', '-e', installed('noadm')])).code).not.toBe(0);
      expect(await treeHashes(lab, 'noadm-m1', ...WATCHED)).toEqual(hashes);
      expect(loadedSerials(await lab.status(), 'noadm-m1')).toEqual(loadedSerials(before, 'noadm-m1'));
    },
  );

  it(
    "provisions the matching kubeadm beside the node's own (download and upload, SHA-256 checked) and renews",
    { timeout: 900_000 },
    async () => {
      const res = await lab.tool(['--inventory', provisionInventory, '--yes', '--json']);
      expect(res.code, res.stderr.slice(-3000)).toBe(0);
      const hosts = (
        JSON.parse(res.stdout) as {
          clusters: { hosts: { host: string; status: string; data: { kubeadmCommand?: string[] } }[] }[];
        }
      ).clusters.flatMap((c) => c.hosts);
      const after = await lab.status();
      for (const [cluster, version] of Object.entries(VERSION)) {
        const n = `${cluster}-m1`;
        // Installed beside the node's own, and byte for byte what the mirror publishes.
        const published = readFileSync(`${mirrorFile(version)}.sha256`, 'utf8').trim();
        expect(await sha256(lab, n, installed(cluster)), n).toBe(published);
        const reported = await lab.exec(n, [installed(cluster), 'version', '-o', 'short']);
        expect(reported.stdout.trim()).toBe(`v${version}`);
        if (cluster === 'noadm')
          expect((await lab.exec(n, ['sh', '-c', 'command -v kubeadm'])).code, 'still no kubeadm on PATH').not.toBe(0);
        else
          expect(await sha256(lab, n, '/usr/local/bin/kubeadm'), `${n}: own kubeadm untouched`).toBe(ownKubeadm.get(n));
        expect(res.stderr).toMatch(
          new RegExp(
            `\\[${cluster}/${n}\\] Provision kubeadm changed .*installed kubeadm ${version.replace(/\./g, '\\.')} at ${installed(cluster)} \\((download|upload)\\)`,
          ),
        );

        // Renewed with it: every component on a new certificate, the one on disk.
        const h = hosts.find((x) => x.host === n)!;
        expect(h.status).toBe('changed');
        expect(h.data.kubeadmCommand?.[0]).toBe(installed(cluster));
        const loaded = loadedSerials(after, n);
        for (const [component, serial] of Object.entries(loadedSerials(before, n)))
          expect(loaded[component], `${n} ${component}`).not.toBe(serial);
        expect(loaded).toEqual(await diskSerials(lab, n));
      }
      expect(res.stderr).toMatch(/\[upl\/upl-m1\] Provision kubeadm changed .*\(upload\)/);
      expect(res.stderr).toMatch(/\[skew\/skew-m1\] Provision kubeadm changed .*\(download\)/);
    },
  );
});
