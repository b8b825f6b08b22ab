// An inventory that names only a Host alias, everything else from an OpenSSH config file (HostName,
// User, IdentityFile, UserKnownHostsFile, ProxyJump through the lab's worker as the jump host), and
// --keep-backups pruning only this tool's own older backups on the master. Judged on the nodes.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason } from './support/lab.js';

const skip = labUnavailableReason();
const TOPOLOGY = `
clusters:
  - name: g
    type: global
    kubernetesVersion: "1.18.3"
    runtime: docker
    masters: 1
    workers: 1
`;
const BACKUPS = '/var/lib/kube-cert-renew/backups';
/** Backups planted before the run: two old ones of this tool for g-m1, and what must never go. */
const OLD_OWN = ['20240101T000000Z-g-m1-aaaaaa', '20250101T000000Z-g-m1-bbbbbb'];
const NEVER = ['20200101T000000Z-g-m2-cccccc', '20200101T000000Z-g-m1-unfinished', 'operator-copy'];
const TKE_OLD = [
  'tke-certs-20240101T000000Z.yaml',
  'tke-certs-20250101T000000Z.yaml',
  'tke-certs-20250201T000000Z.yaml',
];

describe.skipIf(skip)(`SSH config and backup retention${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let inventory: string;

  beforeAll(async () => {
    lab = await Lab.up(TOPOLOGY, { name: 'ssh-config' });
    const labInventory = YAML.parse(readFileSync(lab.inventory, 'utf8')) as {
      clusters: Array<{ masters: Array<{ address: string }>; workers: Array<{ address: string }> }>;
    };
    const masterAddress = labInventory.clusters[0]!.masters[0]!.address;
    const workerAddress = labInventory.clusters[0]!.workers[0]!.address;
    writeFileSync(
      path.join(lab.dir, 'ssh_config'),
      [
        'Host g-m1',
        `  HostName ${masterAddress}`,
        '  ProxyJump jumpbox',
        'Host jumpbox',
        `  HostName ${workerAddress}`,
        'Host *',
        '  User root',
        `  IdentityFile ${path.join(lab.dir, 'id_ed25519')}`,
        `  UserKnownHostsFile ${path.join(lab.dir, 'known_hosts')}`,
        '',
      ].join('\n'),
    );
    inventory = path.join(lab.dir, 'via-ssh-config.yaml');
    writeFileSync(
      inventory,
      [
        'defaults:',
        '  ssh: { configFile: ./ssh_config }',
        `  kubeadm: ${JSON.stringify(YAML.parse(readFileSync(lab.inventory, 'utf8')).defaults.kubeadm)}`,
        'clusters:',
        '  - name: g',
        '    type: global',
        '    kubernetesVersion: "1.18.3"',
        '    runtime: docker',
        '    masters:',
        '      - name: g-m1',
        '',
      ].join('\n'),
    );
    const plant = [
      `mkdir -p ${BACKUPS}`,
      ...OLD_OWN.map((d) => `mkdir ${BACKUPS}/${d} && : > ${BACKUPS}/${d}/SHA256SUMS`),
      `mkdir ${BACKUPS}/${NEVER[0]} && : > ${BACKUPS}/${NEVER[0]}/SHA256SUMS`,
      `mkdir ${BACKUPS}/${NEVER[1]}`,
      `: > ${BACKUPS}/${NEVER[2]}`,
      ...TKE_OLD.map((f) => `: > ${BACKUPS}/${f}`),
    ].join(' && ');
    const res = await lab.exec('g-m1', ['sh', '-c', plant]);
    expect(res.code, res.stderr).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await lab?.down();
  });

  const backups = async (): Promise<string[]> => {
    const res = await lab.exec('g-m1', ['ls', '-1', BACKUPS]);
    return res.stdout.split('\n').filter(Boolean).sort();
  };

  it('inventory list shows the address, user, key and jump host the SSH config gives', async () => {
    const res = await lab.tool(['inventory', 'list', '-i', inventory]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^ {2}g-m1 \(master\) root@10\.\S+:22 \(g-m1\)$/m);
    expect(res.stdout).toMatch(/^ {6}via root@10\.\S+:22 \(jumpbox\); key \S+id_ed25519$/m);
    expect(res.stdout).toContain(`ssh config: ${path.join(lab.dir, 'ssh_config')}`);
  });

  it('a dry run through the jump host says which old backups it would remove, and removes nothing', async () => {
    const before = await backups();
    const res = await lab.tool(['-i', inventory, '--dry-run', '--force', '--keep-backups', '2']);
    expect(res.code, res.stderr).toBe(0);
    // A real run's new backup takes one of the 2 places: of the planted ones only the newest stays;
    // of the 3 tke/certs copies, the newest 2.
    expect(res.stderr).toContain(
      `would remove 2 older backup(s) of this tool, keeping the newest 2: ${OLD_OWN[0]}, ${TKE_OLD[0]}`,
    );
    expect(await backups()).toEqual(before);
  }, 300_000);

  it('a renewal keeps the newest 2 of its own backups and the tke/certs copies, and nothing else goes', async () => {
    const res = await lab.tool(['-i', inventory, '--yes', '--force', '--keep-backups', '2', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const after = await backups();
    const fresh = after.filter((n) => /^\d{8}T\d{6}Z-g-m1-[0-9a-f]{6}$/.test(n) && !OLD_OWN.includes(n));
    expect(fresh).toHaveLength(1);
    expect(after).not.toContain(OLD_OWN[0]);
    expect(after).toContain(OLD_OWN[1]);
    for (const name of NEVER) expect(after).toContain(name);
    // The oldest tke/certs copy went; the run's own tke/certs copy (if it made one) comes after the pruning.
    expect(after).not.toContain(TKE_OLD[0]);
    expect(after).toContain(TKE_OLD[1]);
    expect(after).toContain(TKE_OLD[2]);
    // The run left its record in the state folder (the lab points XDG_STATE_HOME into its own folder).
    const runs = readdirSync(path.join(lab.dir, 'state', 'kube-cert-renew', 'runs'));
    expect(runs.some((r) => /-renew\.json$/.test(r))).toBe(true);
  }, 600_000);

  it('with the jump host down the master is unreachable: the connection really goes through it', async () => {
    await lab.fault('g-w1', 'sshd-down');
    const res = await lab.tool(['check', '-i', inventory]);
    expect(res.code, res.stderr).toBe(3);
  }, 300_000);
});
