// TKEStack global clusters: ConfigMap tke/certs in both shapes. TKEStack 1.2.x copies
// apiserver-etcd-client into etcd.crt/etcd.key (updated after renewal); 1.3+ holds its own
// 100-year certificate (left alone, and the report says why). The ConfigMap is backed up locally
// (mode 0600) and on the node either way; the TKE API pods are recreated one deployment at a time.
// Judged with the real kubectl inside a master, not by the tool's report.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type RunResult } from './support/lab.js';
import { certsCm, disturbed, readNode, tkePods, type ConfigMap, type Pod } from './support/tke.js';
import { renewedHosts, reportTasks, type TaskReport } from './support/task-report.js';

const skip = labUnavailableReason();

const TOPOLOGY = `
defaults:
  certAgeDays: 350
clusters:
  - { name: g12, type: global, kubernetesVersion: "1.18.3", runtime: docker, masters: 3, tkeCertsShape: "1.2" }
  - { name: g13, type: global, kubernetesVersion: "1.21.4", runtime: containerd, tkeCertsShape: "1.3" }
`;

describe.skipIf(skip)(
  `renew on TKEStack global clusters (tke/certs shapes 1.2 and 1.3)${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: Lab;
    let labUp: Promise<Lab> | undefined;
    let outputDir: string;
    const cmBefore = new Map<string, ConfigMap>();
    const podsBefore = new Map<string, Pod[]>();
    const samples = new Map<string, Pod[][]>();
    let result: RunResult;
    let tasks: TaskReport[];

    beforeAll(async () => {
      labUp = Lab.up(TOPOLOGY, { name: 'renew-tke' });
      lab = await labUp;
      outputDir = path.join(lab.dir, 'out');
      for (const c of ['g12', 'g13']) {
        cmBefore.set(c, await certsCm(lab, `${c}-m1`));
        podsBefore.set(c, await tkePods(lab, `${c}-m1`));
        samples.set(c, []);
      }
      // Watch the TKE pods of both clusters while the tool runs (real kubectl, from the last master).
      let done = false;
      const watchers = ['g12-m3', 'g13-m1'].map(async (n) => {
        const c = n.slice(0, 3);
        while (!done) {
          try {
            samples.get(c)!.push(await tkePods(lab, n));
          } catch {
            // an API server restarting: not a sample
          }
          await new Promise((r) => setTimeout(r, 300));
        }
      });
      result = await lab.tool(['--inventory', lab.inventory, '--yes', '--json', '--output-dir', outputDir]);
      done = true;
      await Promise.all(watchers);
      tasks = result.code === 0 ? reportTasks(result.stdout) : [];
    }, 900_000);
    afterAll(async () => {
      // Also when beforeAll timed out while the lab was still coming up.
      await (await labUp?.catch(() => undefined))?.down();
    }, 300_000);

    it('the run renews every master of both clusters', () => {
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      expect(renewedHosts(tasks)).toEqual(['g12-m1', 'g12-m2', 'g12-m3', 'g13-m1']);
    });

    it('1.2 shape: etcd.crt/etcd.key now equal the renewed apiserver-etcd-client of the master the tool used', async () => {
      const task = tasks.find((t) => t.module === 'tke_certs_configmap' && t.host.startsWith('g12-'))!;
      expect(task.status, task.message).toBe('changed');
      const cm = await certsCm(lab, 'g12-m2');
      const crt = await readNode(lab, task.host, '/etc/kubernetes/pki/apiserver-etcd-client.crt');
      const key = await readNode(lab, task.host, '/etc/kubernetes/pki/apiserver-etcd-client.key');
      expect(cm.data['etcd.crt']).toBe(crt);
      expect(cm.data['etcd.key']).toBe(key);
      expect(cm.data['etcd.crt']).not.toBe(cmBefore.get('g12')!.data['etcd.crt']);
      // Only those two keys changed.
      const { ['etcd.crt']: _c, ['etcd.key']: _k, ...rest } = cm.data;
      const { ['etcd.crt']: _c0, ['etcd.key']: _k0, ...rest0 } = cmBefore.get('g12')!.data;
      expect(rest).toEqual(rest0);
      // And it is the renewed certificate: a year from now, not the one TKE installed.
      const end = await lab.exec(task.host, [
        'openssl',
        'x509',
        '-noout',
        '-enddate',
        '-in',
        '/etc/kubernetes/pki/apiserver-etcd-client.crt',
      ]);
      const days = (Date.parse(end.stdout.trim().replace(/^notAfter=/, '')) - Date.now()) / 86400_000;
      expect(days).toBeGreaterThan(364);
    });

    it('1.3 shape: tke/certs is left byte for byte, and the report says why', async () => {
      const cm = await certsCm(lab, 'g13-m1');
      expect(cm.data).toEqual(cmBefore.get('g13')!.data);
      expect(cm.metadata.resourceVersion).toBe(cmBefore.get('g13')!.metadata.resourceVersion);
      const task = tasks.find((t) => t.module === 'tke_certs_configmap' && t.host === 'g13-m1')!;
      expect(task.status).toBe('ok');
      expect(task.message).toMatch(
        /left tke\/certs as is: it holds its own certificate \(.*CN=tke.*\), not a copy of apiserver-etcd-client \(TKEStack 1\.3\+\)/,
      );
    });

    it('both: the ConfigMap is backed up locally (mode 0600) and on the node', async () => {
      for (const c of ['g12', 'g13']) {
        const local = readdirSync(outputDir).filter((f) => f.startsWith(`${c}-tke-certs-`));
        expect(local, c).toHaveLength(1);
        const file = path.join(outputDir, local[0]!);
        expect(statSync(file).mode & 0o777, file).toBe(0o600);
        expect((JSON.parse(readFileSync(file, 'utf8')) as ConfigMap).data).toEqual(cmBefore.get(c)!.data);

        const host = tasks.find((t) => t.module === 'tke_certs_configmap' && t.host.startsWith(`${c}-`))!.host;
        const onNode = await lab.exec(host, [
          'sh',
          '-c',
          'for f in /var/lib/kube-cert-renew/backups/tke-certs-*; do [ -f "$f" ] && stat -c "%a %n" "$f"; done',
        ]);
        const lines = onNode.stdout.trim().split('\n').filter(Boolean);
        expect(lines, `${host}: ${onNode.stderr}`).toHaveLength(1);
        expect(lines[0]).toMatch(/^600 /);
        const saved = await readNode(lab, host, lines[0]!.slice(4));
        expect(saved).toContain(cmBefore.get(c)!.data['etcd.crt']!.split('\n')[1]);
      }
    });

    it('both: every TKE API pod was recreated, one deployment at a time, and all run', async () => {
      for (const c of ['g12', 'g13']) {
        const old = podsBefore.get(c)!;
        const now = await tkePods(lab, `${c}-m1`);
        expect(old.length).toBeGreaterThanOrEqual(6);
        const apps = [...new Set(old.map((p) => p.app))].sort();
        expect([...new Set(now.map((p) => p.app))].sort()).toEqual(apps);
        for (const p of now) {
          expect(p.phase, p.name).toBe('Running');
          expect(
            old.map((o) => o.name),
            `${c}: ${p.name} is new`,
          ).not.toContain(p.name);
        }
        expect(now.length).toBe(old.length);
        // One deployment at a time: at no sampled moment were two deployments disturbed ...
        const replicas = new Map(apps.map((a) => [a, old.filter((p) => p.app === a).length]));
        const seen = samples.get(c)!;
        expect(seen.length, c).toBeGreaterThan(5);
        const overlaps = seen.map((s) => disturbed(s, replicas)).filter((d) => d.length > 1);
        expect(overlaps, c).toEqual([]);
        // ... and each deployment's new pods were created after the previous one's.
        const byApp = apps.map((a) => now.filter((p) => p.app === a).map((p) => Date.parse(p.created)));
        const order = [...byApp].sort((x, y) => Math.min(...x) - Math.min(...y));
        for (let i = 1; i < order.length; i++)
          expect(Math.min(...order[i]!)).toBeGreaterThanOrEqual(Math.max(...order[i - 1]!));
      }
    });

    it('a re-run renews nothing and does not recreate the pods again', { timeout: 300_000 }, async () => {
      const pods0 = new Map<string, string[]>();
      for (const c of ['g12', 'g13']) pods0.set(c, (await tkePods(lab, `${c}-m1`)).map((p) => p.name).sort());
      const cm12 = await certsCm(lab, 'g12-m1');
      const res = await lab.tool(['--inventory', lab.inventory, '--yes', '--json', '--output-dir', outputDir]);
      expect(res.code, res.stderr.slice(-2000)).toBe(0);
      expect((JSON.parse(res.stdout) as { totals: Record<string, number> }).totals.changed).toBe(0);
      for (const c of ['g12', 'g13'])
        expect((await tkePods(lab, `${c}-m1`)).map((p) => p.name).sort(), c).toEqual(pods0.get(c));
      expect((await certsCm(lab, 'g12-m1')).data).toEqual(cm12.data);
    });
  },
);
