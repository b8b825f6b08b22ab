// OpenSSH client config: the parser (Host patterns, first value wins, Include, Match skipped,
// tokens, ProxyJump) and what the loader makes of it (the inventory wins; the config fills the
// rest; a Host alias with HostName and ProxyJump becomes an address and a bastion).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostMatches, lookupSshConfig, loadSshConfig, parseProxyJump } from '../../../src/inventory/ssh-config.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { InputError } from '../../../src/errors.js';
import { lines, loadText, sandbox } from './helpers.js';

/** `run` must throw (or reject with) an InputError at `line` (of `file`) whose message holds `phrase`. */
async function expectInputError(
  run: () => unknown,
  want: { file?: string; line?: number; phrase: string },
): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InputError);
  const err = caught as InputError;
  expect(err.message).toContain(want.phrase);
  if (want.file !== undefined) expect(err.context.file).toBe(want.file);
  if (want.line !== undefined) expect(err.context.line).toBe(want.line);
}

/** An inventory of one standalone cluster `c` whose masters are these lines. */
const oneCluster = (...masters: string[]): string =>
  lines('clusters:', '  - name: c', '    type: standalone', '    masters:', ...masters);

const host = (inv: Inventory, name: string) =>
  inv.clusters.flatMap((c) => [...c.masters, ...c.workers]).find((h) => h.name === name)!;

describe('Host patterns', () => {
  it.each([
    [['*'], 'anything', true],
    [['m?'], 'm1', true],
    [['m?'], 'm12', false],
    [['*.prod', '!db.prod'], 'web.prod', true],
    [['*.prod', '!db.prod'], 'db.prod', false],
    [['!db.prod'], 'web.prod', false], // a negation alone matches nothing, as in ssh
    [['VM-*'], 'vm-0-12-centos', true], // case-insensitive
  ])('%j against %s: %s', (patterns, alias, expected) => {
    expect(hostMatches(patterns, alias)).toBe(expected);
  });
});

describe('the parser', () => {
  it('first value wins; blocks apply in file order; keywords any case; = and quotes accepted', async () => {
    const box = await sandbox();
    const file = await box.write(
      'config',
      lines(
        '# comment',
        'Host m1',
        '  HostName 10.0.0.1',
        '  user=admin',
        '  IdentityFile "~/.ssh/id m1"',
        'Host *',
        '  User everyone',
        '  Port 2200',
        '  HostName ignored.example',
        '  UserKnownHostsFile ~/.ssh/kh1 ~/.ssh/kh2',
      ),
    );
    const config = await loadSshConfig(file, box.home);
    expect(lookupSshConfig(config, 'm1')).toMatchObject({
      hostName: '10.0.0.1',
      user: 'admin',
      port: '2200',
      identityFile: '~/.ssh/id m1',
      userKnownHostsFile: ['~/.ssh/kh1', '~/.ssh/kh2'],
    });
    expect(lookupSshConfig(config, 'other')).toMatchObject({ user: 'everyone', hostName: 'ignored.example' });
  });

  it('reads Include files (relative to ~/.ssh, globs in the last part) and skips Match blocks but Match all', async () => {
    const box = await sandbox();
    await box.write('home/.ssh/config.d/10-a', lines('Host a', '  User from-include'));
    await box.write('home/.ssh/config.d/20-b', lines('Host b', '  User b-user'));
    const file = await box.write(
      'home/.ssh/config',
      lines('Include config.d/*', 'Match exec "true"', '  User never', 'Match all', '  Port 2022'),
    );
    const config = await loadSshConfig(file, box.home);
    expect(lookupSshConfig(config, 'a')).toMatchObject({ user: 'from-include', port: '2022' });
    expect(lookupSshConfig(config, 'b').user).toBe('b-user');
    expect(lookupSshConfig(config, 'c').user).toBeUndefined();
  });

  it.each([
    ['bastion', { host: 'bastion' }],
    ['ops@bastion:2222', { user: 'ops', host: 'bastion', port: 2222 }],
    ['[2001:db8::1]:22', { host: '2001:db8::1', port: 22 }],
    ['none', undefined],
  ])('ProxyJump %s', (value, expected) => {
    expect(parseProxyJump(value, { file: 'f', line: 1 })).toEqual(expected);
  });

  it('refuses two jump hosts, naming the line', () => {
    expectInputError(() => parseProxyJump('a,b', { file: 'cfg', line: 7 }), {
      file: 'cfg',
      line: 7,
      phrase: 'more than one jump host is not supported',
    });
  });
});

describe('loading an inventory with an SSH config', () => {
  const config = lines(
    'Host jump',
    '  HostName 192.0.2.10',
    '  User jumper',
    '  Port 2022',
    'Host m*',
    '  HostName 10.1.0.%h',
    '  ProxyJump jump',
    'Host m1',
    '  User m1user',
    '  IdentityFile ~/.ssh/id_ed25519',
    '  UserKnownHostsFile ~/.ssh/kh-%h',
    'Host *',
    '  User fallback',
    '  Port 2200',
  );

  it('fills what the inventory leaves unset: address from HostName, user, port, key, known_hosts, ProxyJump', async () => {
    const { inv, box } = await loadText(
      lines(
        'defaults:',
        '  ssh: { configFile: ./ssh_config }',
        'clusters:',
        '  - name: c',
        '    type: standalone',
        '    masters:',
        '      - name: m1',
        '      - name: m2',
        '        ssh: { user: frominventory, port: 22 }',
      ),
      { files: { ssh_config: config.replaceAll('10.1.0.%h', 'h-%h.example') } },
    );
    expect(host(inv, 'm1').ssh).toEqual({
      address: 'h-m1.example',
      alias: 'm1',
      port: 2200,
      user: 'm1user',
      identityFile: join(box.home, '.ssh/id_ed25519'),
      knownHostsFiles: [join(box.home, '.ssh/kh-m1')],
      connectTimeoutMs: 10_000,
      sshConfigFile: join(box.dir, 'ssh_config'),
      bastion: {
        address: '192.0.2.10',
        alias: 'jump',
        port: 2022,
        user: 'jumper',
        knownHostsFiles: [join(box.home, '.ssh/known_hosts')],
        connectTimeoutMs: 10_000,
        sshConfigFile: join(box.dir, 'ssh_config'),
      },
    });
    // The inventory wins over the config.
    expect(host(inv, 'm2').ssh).toMatchObject({ address: 'h-m2.example', user: 'frominventory', port: 22 });
  });

  it('reads ~/.ssh/config by default; configFile: false turns it off; bastion: null turns off ProxyJump', async () => {
    const text = (extra: string[]) => oneCluster('      - name: m1', ...extra);
    const withDefault = await loadText(text([]), {
      files: { 'home/.ssh/config': config.replaceAll('10.1.0.%h', 'x-%h') },
    });
    expect(host(withDefault.inv, 'm1').ssh).toMatchObject({
      address: 'x-m1',
      user: 'm1user',
      bastion: { user: 'jumper' },
    });
    const off = await loadText(text(['        ssh: { configFile: false }']), {
      files: { 'home/.ssh/config': config },
    });
    expect(host(off.inv, 'm1').ssh).toMatchObject({ address: 'm1', user: 'root', port: 22 });
    expect(host(off.inv, 'm1').ssh.bastion).toBeUndefined();
    const direct = await loadText(text(['        ssh: { bastion: null }']), {
      files: { 'home/.ssh/config': config.replaceAll('10.1.0.%h', 'x-%h') },
    });
    expect(host(direct.inv, 'm1').ssh).toMatchObject({ address: 'x-m1', user: 'm1user' });
    expect(host(direct.inv, 'm1').ssh.bastion).toBeUndefined();
  });

  it('passes over an IdentityFile that does not exist, as ssh does', async () => {
    const { inv } = await loadText(oneCluster('      - name: m1'), {
      files: { 'home/.ssh/config': lines('Host *', '  IdentityFile ~/.ssh/id_missing') },
    });
    expect(host(inv, 'm1').ssh.identityFile).toBeUndefined();
  });

  it.each([
    ['Host m1\n  User "bad user"\n', 'User bad user is not a valid user name', 2],
    ['Host m1\n  Port 99999\n', 'Port 99999 is not a port', 2],
    ['Host m1\n  HostName "$(reboot)"\n', 'is not a valid address', 2],
    ['Host m1\n  ProxyJump a,b\n', 'more than one jump host', 2],
    ['Host m1\n  IdentityFile ~/.ssh/%C\n', 'the token %C is not supported', 2],
  ])('refuses a bad value from the config, naming its file and line: %j', async (text, phrase, line) => {
    await expectInputError(
      () =>
        loadText(oneCluster('      - name: m1'), {
          files: { 'home/.ssh/config': text },
        }),
      { line, phrase },
    );
  });

  it('a configFile that does not exist is an error', async () => {
    await expectInputError(
      () =>
        loadText(
          lines(
            'defaults:',
            '  ssh: { configFile: ./nope }',
            'clusters:',
            '  - name: c',
            '    type: standalone',
            '    masters:',
            '      - name: m1',
          ),
        ),
      { phrase: 'cannot be read' },
    );
  });
});

describe('host names as clouds name them', () => {
  it.each(['VM-0-12-centos', 'vm_0_12_centos', 'biz1-m1.example.com', 'a'])('accepts %s', async (name) => {
    const { inv } = await loadText(oneCluster(`      - name: ${name}`, '        address: 10.0.0.1'));
    expect(inv.clusters[0]!.masters[0]!.name).toBe(name);
  });

  it.each(['-m1', 'm1-', '_m1', 'm 1', 'm1;x', 'm1/x', 'a'.repeat(254)])('refuses %j', async (name) => {
    await expectInputError(() => loadText(oneCluster(`      - name: "${name}"`)), {
      line: 5,
      phrase: 'invalid host name',
    });
  });

  it('the same name in another case is the same node', async () => {
    await expectInputError(() => loadText(oneCluster('      - name: VM-0-1', '      - name: vm-0-1')), {
      line: 6,
      phrase: 'is already listed',
    });
  });

  it('an underscore in an address is accepted (resolvers take it)', async () => {
    const { inv } = await loadText(oneCluster('      - name: m1', '        address: vm_0_12_centos.lan'));
    expect(inv.clusters[0]!.masters[0]!.ssh.address).toBe('vm_0_12_centos.lan');
  });
});
