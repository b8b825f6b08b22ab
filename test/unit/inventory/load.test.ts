// Good inventories: inheritance (built-in < defaults < cluster < host, nearest wins key by key),
// paths, bastions, and the shipped example.
import { chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import type { Host, Inventory } from '../../../src/inventory/types.js';
import { lines, loadText, sandbox } from './helpers.js';

function host(inv: Inventory, name: string): Host {
  const found = inv.clusters.flatMap((c) => [...c.masters, ...c.workers]).find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name}`);
  return found;
}

describe('loadInventory on good files', () => {
  it('applies the built-in defaults when nothing is set', async () => {
    const { inv, box } = await loadText(
      lines('clusters:', '  - name: c1', '    type: standalone', '    masters:', '      - name: m1'),
    );
    expect(inv.file).toBe(join(box.dir, 'inv.yaml'));
    expect(inv.clusters).toEqual([
      {
        name: 'c1',
        type: 'standalone',
        etcd: 'stacked',
        kubeadm: {
          provision: 'none',
          mirrorUrl: 'https://storage.googleapis.com/kubernetes-release/release/v{version}/bin/linux/{arch}/kubeadm',
          installDir: '/var/lib/kube-cert-renew/bin',
        },
        masters: [
          {
            name: 'm1',
            cluster: 'c1',
            role: 'master',
            ssh: {
              address: 'm1',
              port: 22,
              user: 'root',
              knownHostsFiles: [join(box.home, '.ssh/known_hosts')],
              connectTimeoutMs: 10_000,
            },
            become: { enabled: false },
            vars: {},
          },
        ],
        workers: [],
        vars: {},
      },
    ]);
  });

  it('lets the nearest level win, key by key', async () => {
    const { inv, box } = await loadText(
      lines(
        'defaults:',
        '  ssh: { user: admin, port: 2200, identityFile: ~/.ssh/id_ed25519, connectTimeoutMs: 3000, passphraseEnv: KEY_PASS }',
        '  become: { enabled: true, passwordEnv: SUDO_PW }',
        '  kubeadm: { provision: download, installDir: /opt/kcr }',
        '  vars: { site: dc1, tier: prod }',
        'clusters:',
        '  - name: global',
        '    type: global',
        '    kubernetesVersion: "v1.18.3"',
        '    runtime: docker',
        '    etcd: external',
        '    ssh: { user: ops, identityFile: ../keys/cluster_key }',
        '    become: { passwordEnv: CLUSTER_SUDO }',
        '    kubeadm: { mirrorUrl: "https://mirror.internal/k8s/{version}/{arch}/kubeadm" }',
        '    vars: { tier: staging, zone: a }',
        '    masters:',
        '      - name: m1',
        '        address: 10.0.0.1',
        '        ssh: { port: 22, identityFile: ../keys/host_key }',
        '        become: { enabled: false }',
        '        vars: { zone: b, weight: 3, primary: true }',
        '      - name: m2',
        '    workers:',
        '      - name: w1',
        '        address: "fd00::21"',
        '  - name: business',
        '    type: standalone',
        '    masters:',
        '      - name: b1',
      ),
      { name: 'inv/prod.yaml', files: { 'keys/cluster_key': 'x', 'keys/host_key': 'x' } },
    );
    const [global, business] = inv.clusters;
    expect(global).toMatchObject({
      kubernetesVersion: '1.18.3',
      runtime: 'docker',
      etcd: 'external',
      vars: { site: 'dc1', tier: 'staging', zone: 'a' },
    });
    expect(global?.kubeadm).toEqual({
      provision: 'download',
      mirrorUrl: 'https://mirror.internal/k8s/{version}/{arch}/kubeadm',
      installDir: '/opt/kcr',
    });
    expect(host(inv, 'm1')).toEqual({
      name: 'm1',
      cluster: 'global',
      role: 'master',
      ssh: {
        address: '10.0.0.1',
        port: 22,
        user: 'ops',
        identityFile: join(box.dir, 'keys/host_key'),
        passphraseEnv: 'KEY_PASS',
        knownHostsFiles: [join(box.home, '.ssh/known_hosts')],
        connectTimeoutMs: 3000,
      },
      become: { enabled: false, passwordEnv: 'CLUSTER_SUDO' },
      vars: { site: 'dc1', tier: 'staging', zone: 'b', weight: 3, primary: true },
    });
    expect(host(inv, 'm2').ssh).toMatchObject({
      address: 'm2',
      port: 2200,
      user: 'ops',
      identityFile: join(box.dir, 'keys/cluster_key'),
    });
    expect(host(inv, 'm2').become).toEqual({ enabled: true, passwordEnv: 'CLUSTER_SUDO' });
    expect(host(inv, 'w1')).toMatchObject({ role: 'worker', ssh: { address: 'fd00::21', port: 2200 } });
    expect(business?.kubeadm.provision).toBe('download');
    expect(business?.vars).toEqual({ site: 'dc1', tier: 'prod' });
    expect(host(inv, 'b1').ssh).toMatchObject({
      user: 'admin',
      port: 2200,
      identityFile: join(box.home, '.ssh/id_ed25519'),
    });
    expect(host(inv, 'b1').become).toEqual({ enabled: true, passwordEnv: 'SUDO_PW' });
  });

  it('keeps masters in the order written', async () => {
    const { inv } = await loadText(
      lines(
        'clusters:',
        '  - name: c',
        '    type: global',
        '    masters:',
        '      - name: m3',
        '      - name: m1',
        '      - name: m2',
      ),
    );
    expect(inv.clusters[0]?.masters.map((h) => h.name)).toEqual(['m3', 'm1', 'm2']);
  });

  it('resolves bastions: inherited fields, own port, never the target password, null turns it off', async () => {
    const { inv, box } = await loadText(
      lines(
        'defaults:',
        '  ssh:',
        '    user: deploy',
        '    port: 2222',
        '    passwordEnv: TARGET_PW',
        '    passphraseEnv: TARGET_KEY_PASS',
        '    connectTimeoutMs: 4000',
        '    bastion: { address: jump.example.com, user: ops }',
        'clusters:',
        '  - name: c',
        '    type: global',
        '    masters:',
        '      - name: m1',
        '      - name: m2',
        '        ssh: { bastion: { address: 192.0.2.7, port: 2022, identityFile: ./jump_key, passwordEnv: JUMP_PW } }',
        '      - name: m3',
        '        ssh: { bastion: null }',
      ),
      { files: { jump_key: 'x' } },
    );
    expect(host(inv, 'm1').ssh.bastion).toEqual({
      address: 'jump.example.com',
      port: 22,
      user: 'ops',
      passphraseEnv: 'TARGET_KEY_PASS',
      knownHostsFiles: [join(box.home, '.ssh/known_hosts')],
      connectTimeoutMs: 4000,
    });
    expect(host(inv, 'm1').ssh).toMatchObject({ port: 2222, user: 'deploy', passwordEnv: 'TARGET_PW' });
    // Its own key: its own passphrase only (none here), its own password variable.
    expect(host(inv, 'm2').ssh.bastion).toEqual({
      address: '192.0.2.7',
      port: 2022,
      user: 'deploy',
      identityFile: join(box.dir, 'jump_key'),
      passwordEnv: 'JUMP_PW',
      knownHostsFiles: [join(box.home, '.ssh/known_hosts')],
      connectTimeoutMs: 4000,
    });
    expect(host(inv, 'm3').ssh.bastion).toBeUndefined();
  });

  it('allows one address twice behind different bastions (same private network in two places)', async () => {
    const { inv } = await loadText(
      lines(
        'clusters:',
        '  - name: a',
        '    type: standalone',
        '    ssh: { bastion: { address: jump-a } }',
        '    masters: [{ name: a1, address: 10.0.0.1 }]',
        '  - name: b',
        '    type: standalone',
        '    ssh: { bastion: { address: jump-b } }',
        '    masters: [{ name: b1, address: 10.0.0.1 }]',
      ),
    );
    expect(inv.clusters.map((c) => c.masters[0]?.ssh.address)).toEqual(['10.0.0.1', '10.0.0.1']);
  });

  it('reads agent: true as SSH_AUTH_SOCK, a string as a socket path, false as none', async () => {
    const { inv, box } = await loadText(
      lines(
        'defaults: { ssh: { agent: true } }',
        'clusters:',
        '  - name: c',
        '    type: global',
        '    masters:',
        '      - name: m1',
        '      - name: m2',
        '        ssh: { agent: ~/agent.sock }',
        '      - name: m3',
        '        ssh: { agent: false }',
      ),
      { env: { SSH_AUTH_SOCK: '/run/agent.sock' } },
    );
    expect(host(inv, 'm1').ssh.agentSocket).toBe('/run/agent.sock');
    expect(host(inv, 'm2').ssh.agentSocket).toBe(join(box.home, 'agent.sock'));
    expect(host(inv, 'm3').ssh.agentSocket).toBeUndefined();
  });

  it('accepts YAML anchors and aliases within the limit', async () => {
    const { inv } = await loadText(
      lines(
        'clusters:',
        '  - name: a',
        '    type: global',
        '    ssh: &jump { bastion: { address: jump } }',
        '    masters: [{ name: a1 }]',
        '  - name: b',
        '    type: standalone',
        '    ssh: *jump',
        '    masters: [{ name: b1 }]',
      ),
    );
    expect(host(inv, 'b1').ssh.bastion?.address).toBe('jump');
  });

  it('loads inventories/example.yaml, which uses every field', async () => {
    const box = await sandbox();
    const example = resolve('inventories/example.yaml');
    const inv = await loadInventory(example, { home: box.home, env: {} });
    expect(inv.clusters.map((c) => c.name)).toEqual(['global', 'business-1']);
    const m3 = host(inv, 'global-m3');
    expect(m3.ssh).toMatchObject({
      address: '10.0.0.3',
      port: 2222,
      user: 'root',
      passphraseEnv: 'KCR_KEY_PASSPHRASE',
    });
    expect(m3.ssh.bastion).toMatchObject({ address: 'jump.example.com', user: 'ops', connectTimeoutMs: 5000 });
    expect(m3.vars).toEqual({ site: 'example-dc', zone: 'a', rack: 'r7' });
    expect(host(inv, 'global-w1').ssh.bastion).toBeUndefined();
    expect(host(inv, 'VM-0-12-centos')).toMatchObject({
      ssh: { address: '10.0.1.12', user: 'ubuntu', passwordEnv: 'KCR_BUSINESS1_SSH_PASSWORD' },
      become: { enabled: true, passwordEnv: 'KCR_BIZ1_M2_SUDO' },
    });
    expect(inv.clusters[1]?.kubeadm).toMatchObject({
      provision: 'download',
      localBinary: resolve('inventories/bin/kubeadm-{version}-{arch}'),
    });
  });
});

describe('loadInventory: the file itself', () => {
  it('names a missing inventory file, exit code 4', async () => {
    const box = await sandbox();
    const missing = join(box.dir, 'nope.yaml');
    const error = await loadInventory(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).oneLine()).toBe(
      `${missing}: cannot read the file: not found (check the path and its permissions)`,
    );
    expect((error as InputError).exitCode).toBe(ExitCode.invalidInput);
  });

  it.skipIf(process.getuid?.() === 0)('names an identity file this user may not read', async () => {
    const box = await sandbox();
    const key = await box.write('locked_key', 'x');
    await chmod(key, 0o000);
    const file = await box.write(
      'inv.yaml',
      lines(
        'defaults:',
        '  ssh:',
        '    identityFile: locked_key',
        'clusters: [{ name: c, type: global, masters: [{ name: m1 }] }]',
      ),
    );
    const error = await loadInventory(file, { home: box.home, env: {} }).catch((e: unknown) => e);
    expect((error as InputError).oneLine()).toMatch(
      new RegExp(`^${file}:3:19: identity file .*locked_key cannot be read: permission denied`),
    );
  });
});
