// TKEStack-native: `inventory import` reads the lab's global cluster (Cluster, Machine and
// ClusterCredential objects as tke-platform-api serves them, with TKEStack's stored SSH passwords,
// private keys, tokens and CA keys) over SSH with the global master's token /root/.kube/config, and
// writes an inventory that then renews the whole lab fleet. No TKEStack secret appears in the
// inventory, the tool's output, its log or its reports; the token kubeconfigs are left as they were.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type RunResult } from './support/lab.js';
import { PKI_LEAF_CERTS, fileSerial, sha256 } from './support/node-files.js';
import { renewedHosts, reportTasks, type TaskReport } from './support/task-report.js';

const skip = labUnavailableReason();

const TOPOLOGY = `
defaults:
  certAgeDays: 350
  tkeTokenKubeconfig: true
clusters:
  - { name: global, type: global, kubernetesVersion: "1.18.3", runtime: docker, masters: 2, workers: 1, tkePlatform: true }
  - { name: biz, type: standalone, kubernetesVersion: "1.21.4", runtime: containerd, masters: 1 }
`;
const MASTERS = ['global-m1', 'global-m2', 'biz-m1'];

type Obj = Record<string, unknown>;

/** Every TKEStack-held secret the lab's global cluster serves: SSH passwords/keys (base64 and
 *  decoded), and every ClusterCredential value but the names. */
function tkeSecrets(seed: Obj[]): string[] {
  const out: string[] = [];
  const add = (b64: unknown) => {
    if (typeof b64 !== 'string' || !b64) return;
    out.push(b64.slice(0, 40));
    const text = Buffer.from(b64, 'base64').toString();
    for (const line of text.split('\n')) if (line.length >= 12 && !line.startsWith('-----')) out.push(line);
  };
  for (const o of seed) {
    const spec = (o.spec ?? {}) as Obj;
    const machines = [...((spec.machines as Obj[] | undefined) ?? []), ...(o.kind === 'Machine' ? [spec] : [])];
    for (const m of machines) for (const k of ['password', 'privateKey', 'passPhrase']) add(m[k]);
    if (o.kind === 'ClusterCredential') {
      for (const [k, v] of Object.entries(o)) {
        if (['apiVersion', 'kind', 'metadata', 'tenantID', 'clusterName'].includes(k)) continue;
        if (k === 'token' || k === 'bootstrapToken' || k === 'certificateKey') out.push(String(v));
        else add(v);
      }
    }
  }
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe.skipIf(skip)(`inventory import from TKEStack's global cluster${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let labUp: Promise<Lab> | undefined;
  let out: string;
  let imported: string;
  let importRun: RunResult;
  let renewRun: RunResult;
  let tasks: TaskReport[] = [];
  let secrets: string[] = [];
  const rootConfigBefore = new Map<string, string>();
  const serialsBefore = new Map<string, string>();

  beforeAll(async () => {
    labUp = Lab.up(TOPOLOGY, { name: 'tkestack-import' });
    lab = await labUp;
    out = path.join(lab.dir, 'out');
    imported = path.join(lab.dir, 'imported.yaml');
    const seed = JSON.parse(
      readFileSync(path.join(lab.dir, 'nodes/global-m1/rootfs/var/lib/kcrlab/seed.json'), 'utf8'),
    ) as Obj[];
    secrets = tkeSecrets(seed);
    for (const n of [...MASTERS, 'global-w1']) rootConfigBefore.set(n, await sha256(lab, n, '/root/.kube/config'));
    for (const n of MASTERS) serialsBefore.set(n, await fileSerial(lab, n, '/etc/kubernetes/pki/apiserver.crt'));
    const address = (YAML.parse(readFileSync(lab.inventory, 'utf8')) as { clusters: { masters: Obj[] }[] }).clusters[0]!
      .masters[0]!.address as string;
    importRun = await lab.tool([
      'inventory',
      'import',
      '--from-host',
      `root@${address}`,
      '--identity-file',
      path.join(lab.dir, 'id_ed25519'),
      '--known-hosts',
      path.join(lab.dir, 'known_hosts'),
      '--include-workers',
      '-o',
      imported,
    ]);
    if (importRun.code !== 0) return;
    renewRun = await lab.tool([
      '--inventory',
      imported,
      '--yes',
      '--json',
      '--output-dir',
      out,
      '--log-file',
      path.join(lab.dir, 'kcr.log'),
      '--log-level',
      'debug',
    ]);
    tasks = renewRun.code === 0 ? reportTasks(renewRun.stdout) : [];
  }, 900_000);
  afterAll(async () => {
    await (await labUp?.catch(() => undefined))?.down();
  }, 300_000);

  it('the lab serves TKEStack secrets to find (the secret checks below are not vacuous)', () => {
    expect(secrets.length).toBeGreaterThan(20);
  });

  it('import writes the global and business clusters, masters in machines order, Imported listed as not renewable', () => {
    expect(importRun.code, importRun.stderr).toBe(0);
    const inv = YAML.parse(readFileSync(imported, 'utf8')) as { clusters: { name: string; masters: Obj[] }[] };
    expect(inv.clusters.map((c) => [c.name, c.masters.map((m) => m.name)])).toEqual([
      ['global', ['global-m1', 'global-m2']],
      ['biz', ['biz-m1']],
    ]);
    const text = readFileSync(imported, 'utf8');
    expect(text).toMatch(/^# {3}cls-imported \(Imported\): TKEStack did not build it/m);
    expect(importRun.stderr).toMatch(/^wrote .*imported\.yaml: global \(2 masters, 1 worker\), biz \(1 master\)/m);
  });

  it('the imported inventory renews the whole lab fleet', async () => {
    expect(renewRun?.code, renewRun?.stderr.slice(-3000)).toBe(0);
    expect(renewedHosts(tasks)).toEqual([...MASTERS].sort());
    for (const n of MASTERS)
      expect(await fileSerial(lab, n, `/etc/kubernetes/pki/${PKI_LEAF_CERTS[0]}.crt`)).not.toBe(serialsBefore.get(n));
  });

  it('leaves every token /root/.kube/config as it was, and says so', async () => {
    for (const [n, before] of rootConfigBefore) expect(await sha256(lab, n, '/root/.kube/config')).toBe(before);
    // The step that ran on each master (the recovery path's copy of it is skipped on a healthy fleet).
    const kubeconfigTasks = tasks.filter((t) => t.module === 'kubeconfigs' && t.status !== 'skipped');
    expect(kubeconfigTasks.map((t) => t.host).sort()).toEqual([...MASTERS].sort());
    for (const t of kubeconfigTasks)
      expect(t.message).toContain("/root/.kube/config left alone: a token kubeconfig (TKEStack's: it does not expire)");
  });

  it('no TKEStack secret in the inventory, the output, the log or any report', () => {
    const texts: [string, string][] = [
      ['inventory', readFileSync(imported, 'utf8')],
      ['import stdout', importRun.stdout],
      ['import stderr', importRun.stderr],
      ['renew stdout', renewRun?.stdout ?? ''],
      ['renew stderr', renewRun?.stderr ?? ''],
      ['log', readFileSync(path.join(lab.dir, 'kcr.log'), 'utf8')],
      ...filesUnder(out)
        .filter((f) => !/-tke-certs-/.test(f))
        .map((f): [string, string] => [f, readFileSync(f, 'latin1')]),
    ];
    const leaks = texts.flatMap(([where, text]) =>
      secrets.filter((s) => text.includes(s)).map((s) => `${where}: ${s.slice(0, 6)}...`),
    );
    expect(leaks).toEqual([]);
  });
});
