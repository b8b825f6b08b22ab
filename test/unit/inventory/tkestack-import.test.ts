// `inventory import`'s converter and reader on Cluster/Machine objects shaped as TKEStack serves them.
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { importInventory, type ImportOptions } from '../../../src/inventory/tkestack-import.js';
import { clusterOf, workerOf } from '../../../src/inventory/tkestack-objects.js';
import { explainKubectlFailure, readTkeFleet, type KubectlRunner } from '../../../src/inventory/tkestack-read.js';
import { loadText } from './helpers.js';
import {
  bizCluster,
  globalCluster,
  importedCluster,
  list,
  secretTexts,
  socksCluster,
  upgradingCluster,
  workerMachine,
} from './tkestack-fixtures.js';

const opts = (over: Partial<ImportOptions> = {}): ImportOptions => ({
  auth: { identityFile: '~/.ssh/id_ed25519' },
  includeWorkers: false,
  source: 'root@10.0.0.12:/root/.kube/config',
  now: new Date('2026-12-03T17:30:00Z'),
  ...over,
});

const fleet = [globalCluster, bizCluster, importedCluster, upgradingCluster, socksCluster].map(clusterOf);
const machines = [workerMachine].map(workerOf);

describe('importInventory', () => {
  const result = importInventory([...fleet].reverse(), machines, opts({ includeWorkers: true }));
  const text = result.text ?? '';

  it('writes an inventory that loads, global first, renewable clusters only', async () => {
    const { inv } = await loadText(text);
    expect(inv.clusters.map((c) => [c.name, c.type])).toEqual([
      ['global', 'global'],
      ['cls-hrq7mvt9', 'standalone'],
    ]);
  });

  it("keeps TKEStack's master order: machines[0] first, marked as such", async () => {
    const { inv } = await loadText(text);
    expect(inv.clusters[0]!.masters.map((m) => [m.name, m.ssh.address])).toEqual([
      ['global-m1', '10.0.0.12'],
      ['global-m2', '10.0.0.11'],
      ['global-m3', '10.0.0.13'],
    ]);
    expect(text).toMatch(/# machines\[0\]: 10\.0\.0\.12:22 as root;.*renewed first\n\s+- name: global-m1/);
  });

  it('maps version (without -tke.N), runtime only when TKEStack sets it, etcd topology', async () => {
    const { inv } = await loadText(text);
    const [g, biz] = inv.clusters;
    expect([g!.kubernetesVersion, g!.runtime, g!.etcd]).toEqual(['1.18.3', 'docker', 'stacked']);
    expect([biz!.kubernetesVersion, biz!.runtime, biz!.etcd]).toEqual(['1.21.4', undefined, 'external']);
    expect(text).toContain('version 1.21.4-tke.3');
    expect(text).toContain('kubernetesVersion: "1.18.3"');
    expect(text).toContain('runtime unset in TKEStack (its default is docker)');
  });

  it('maps port, user (with sudo) and the SSH jump server to the bastion', async () => {
    const { inv } = await loadText(text);
    const m = inv.clusters[1]!.masters[0]!;
    expect([m.ssh.address, m.ssh.port, m.ssh.user, m.become.enabled]).toEqual(['10.1.0.5', 2222, 'ubuntu', true]);
    expect(m.ssh.bastion).toMatchObject({ address: '10.1.0.1', port: 22, user: 'jump' });
  });

  it("names the operator's key, never TKEStack's secrets (plain or base64)", async () => {
    const { inv, box } = await loadText(text);
    expect(inv.clusters[0]!.masters[0]!.ssh.identityFile).toBe(`${box.home}/.ssh/id_ed25519`);
    for (const secret of secretTexts()) expect(text).not.toContain(secret);
    expect(text).toContain('TKEStack logs in with a password (not copied)');
    expect(text).toContain('TKEStack logs in with a private key (not copied)');
  });

  it('lists Imported, changing and SOCKS5-only clusters in a comment with why', () => {
    expect(result.skipped.map((s) => s.name).sort()).toEqual(['cls-imported1', 'cls-socks', 'cls-upgrading']);
    const header = text.slice(0, text.indexOf('\ndefaults:'));
    expect(header).toMatch(/^# {3}cls-imported1 \(Imported\): TKEStack did not build it/m);
    expect(header).toMatch(/^# {3}cls-upgrading \(Baremetal\): phase Upgrading: TKEStack is changing it/m);
    expect(header).toMatch(/^# {3}cls-socks \(Edge\): machines\[0\] is reached through a SOCKS5 proxy/m);
  });

  it("keeps a failing cluster, with TKEStack's health message, and free text on one comment line", () => {
    expect(text).toContain(
      '# TKEStack\'s health check: Get "https://10.1.0.5:6443/version": x509: certificate has expired',
    );
    expect(text).toContain('# cls-hrq7mvt9 (prod - name: injected)');
    expect(text).not.toMatch(/^- name: injected/m);
  });

  it('lists workers only when asked', async () => {
    const { inv } = await loadText(text);
    expect(inv.clusters[0]!.workers.map((w) => [w.name, w.ssh.address])).toEqual([['global-w1', '10.0.0.21']]);
    const without = importInventory(fleet, machines, opts()).text ?? '';
    expect(without).not.toContain('workers:');
  });

  it('writes nothing when no cluster is renewable', () => {
    const none = importInventory([clusterOf(importedCluster)], [], opts());
    expect(none.text).toBeUndefined();
    expect(none.skipped).toHaveLength(1);
  });
});

describe('readTkeFleet', () => {
  it('reads clusters and machines by their full names and drops the secrets while parsing', async () => {
    const calls: string[][] = [];
    const kubectl: KubectlRunner = async (args) => {
      calls.push([...args]);
      const items = args[1] === 'clusters.platform.tkestack.io' ? [globalCluster] : [workerMachine];
      return { stdout: JSON.stringify(list(...items)), stderr: '', exitCode: 0 };
    };
    const got = await readTkeFleet(kubectl, 'here');
    expect(calls.map((c) => c[1])).toEqual(['clusters.platform.tkestack.io', 'machines.platform.tkestack.io']);
    expect(got.clusters[0]!.machines[0]).toEqual({
      ip: '10.0.0.12',
      port: 22,
      username: 'root',
      hasPassword: true,
      hasPrivateKey: false,
    });
    for (const secret of secretTexts()) expect(JSON.stringify(got)).not.toContain(secret);
  });

  it('says in one line that an expired global cluster cannot be read, and what to do', async () => {
    const kubectl: KubectlRunner = async () => ({
      stdout: '',
      stderr:
        'Unable to connect to the server: x509: certificate has expired or is not yet valid: current time 2027-01-01T00:00:00Z is after 2026-12-01T00:00:00Z\n',
      exitCode: 1,
    });
    const err = await readTkeFleet(kubectl, 'root@10.0.0.12:/root/.kube/config').catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: ExitCode.hostFailed });
    const line = (err as { oneLine(): string }).oneLine();
    expect(line).toMatch(
      /^inventory import: the global cluster's certificates have expired \(kubectl via root@10\.0\.0\.12/,
    );
    expect(line).toContain('renew the global cluster first with an inventory of its masters written by hand');
    expect(line).not.toContain('\n');
  });

  it('tells an unavailable platform API (front-proxy or tke-platform-api) from a cluster without TKEStack', () => {
    expect(
      explainKubectlFailure(
        'Error from server (ServiceUnavailable): the server is currently unable to handle the request',
        'x',
      ).message,
    ).toContain('cannot reach tke-platform-api');
    expect(explainKubectlFailure('error: the server doesn\'t have a resource type "clusters"', 'x').message).toContain(
      'not a TKEStack global cluster',
    );
  });

  it('never shows kubectl output that is not JSON (it may hold secrets)', async () => {
    const kubectl: KubectlRunner = async () => ({ stdout: `password: ${secretTexts()[0]}`, stderr: '', exitCode: 0 });
    const err = (await readTkeFleet(kubectl, 'here').catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('did not print JSON');
    expect(err.message).not.toContain(secretTexts()[0]!);
  });
});
