// "Did you mean": typos, other spellings of a camelCase key, and no suggestion when nothing is close.
import { describe, expect, it } from 'vitest';
import { closestName, suggestionHint } from '../../../src/yaml/closest.js';

const sshKeys = [
  'user',
  'port',
  'identityFile',
  'knownHostsFiles',
  'agent',
  'passwordEnv',
  'passphraseEnv',
  'connectTimeoutMs',
  'bastion',
];

describe('closestName', () => {
  it('finds a typo', () => {
    expect(closestName('bastoin', sshKeys)).toBe('bastion');
    expect(closestName('prot', sshKeys)).toBe('port');
  });
  it('finds snake_case, kebab-case and other capitalisations', () => {
    expect(closestName('known_hosts_files', sshKeys)).toBe('knownHostsFiles');
    expect(closestName('connect-timeout-ms', sshKeys)).toBe('connectTimeoutMs');
    expect(closestName('IdentityFile', sshKeys)).toBe('identityFile');
  });
  it('suggests nothing for an unrelated word', () => {
    expect(closestName('colour', sshKeys)).toBeUndefined();
    expect(suggestionHint('colour', ['a', 'b'], 'keys')).toBe('known keys: a, b');
  });
});
