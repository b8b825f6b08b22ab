import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  entryMatchesHost,
  fingerprintSha256,
  keyTypeOfBlob,
  knownHostsName,
  knownKeyTypes,
  loadKnownHosts,
  parseKnownHosts,
} from '../../../src/transport/known-hosts.js';
import { generateKey, makeTempDir } from '../../support/sshd.js';

let dir: string;
let ed: { line: string; blob: Buffer; path: string };
let ed2: { line: string; blob: Buffer };
let rsa: { line: string; blob: Buffer };

function key(name: string, type: 'ed25519' | 'rsa' = 'ed25519') {
  const k = generateKey(dir, name, type);
  const [t = '', b64 = ''] = k.publicKeyLine.split(' ');
  return { line: `${t} ${b64}`, blob: Buffer.from(b64, 'base64'), path: `${k.privateKeyPath}.pub` };
}

function hashedName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

beforeAll(() => {
  dir = makeTempDir('kcr-kh-');
  ed = key('a');
  ed2 = key('b');
  rsa = key('c', 'rsa');
});
afterAll(() => {
  execFileSync('rm', ['-rf', dir]);
});

describe('fingerprints and names', () => {
  it('prints SHA256 fingerprints exactly like ssh-keygen -l', () => {
    const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', ed.path]).toString().split(' ')[1];
    expect(fingerprintSha256(ed.blob)).toBe(expected);
    expect(fingerprintSha256(ed.blob)).not.toContain('=');
  });

  it('reads the key type from the blob', () => {
    expect(keyTypeOfBlob(ed.blob)).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(rsa.blob)).toBe('ssh-rsa');
    expect(keyTypeOfBlob(Buffer.from([0, 0]))).toBe('');
  });

  it('names port 22 bare and other ports [host]:port', () => {
    expect(knownHostsName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostsName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });
});

describe('parseKnownHosts', () => {
  it('parses plain, comma lists, hashed, markers; skips comments, blanks and junk', () => {
    const text = [
      '# a comment',
      '',
      `a.example,10.0.0.1 ${ed.line} comment here`,
      `${hashedName('b.example')} ${ed2.line}`,
      `@revoked * ${rsa.line}`,
      `@cert-authority *.example ${ed2.line}`,
      '@unknown-marker x ssh-ed25519 AAAA',
      'only-two fields',
      `|1|broken ${ed.line}`,
    ].join('\n');
    const entries = parseKnownHosts(text, '/kh');
    expect(entries.map((e) => [e.line, e.marker ?? '', e.hosts.kind, e.keyType])).toEqual([
      [3, '', 'plain', 'ssh-ed25519'],
      [4, '', 'hashed', 'ssh-ed25519'],
      [5, 'revoked', 'plain', 'ssh-rsa'],
      [6, 'cert-authority', 'plain', 'ssh-ed25519'],
    ]);
  });

  it('matches hashed names, wildcards and negations, case-insensitively', () => {
    const [hashed] = parseKnownHosts(`${hashedName('[10.0.0.5]:2222')} ${ed.line}`, 'f');
    expect(entryMatchesHost(hashed!, '[10.0.0.5]:2222')).toBe(true);
    expect(entryMatchesHost(hashed!, '10.0.0.5')).toBe(false);
    const [glob] = parseKnownHosts(`*.Example.org,!bad.example.org,10.0.0.? ${ed.line}`, 'f');
    expect(entryMatchesHost(glob!, 'node1.example.org')).toBe(true);
    expect(entryMatchesHost(glob!, 'bad.example.org')).toBe(false);
    expect(entryMatchesHost(glob!, '10.0.0.7')).toBe(true);
    expect(entryMatchesHost(glob!, '10.0.0.17')).toBe(false);
    expect(entryMatchesHost(glob!, 'example.org')).toBe(false);
  });
});

describe('checkHostKey', () => {
  const name = '[10.0.0.1]:2222';
  it('match, changed (same type), unknown (other type only or no entry), revoked', () => {
    const entries = parseKnownHosts(
      `${name} ${ed.line}\n10.0.0.2 ${rsa.line}\n@revoked 10.0.0.3 ${ed2.line}\n10.0.0.3 ${ed2.line}`,
      'f',
    );
    expect(checkHostKey(entries, name, ed.blob).status).toBe('match');
    const changed = checkHostKey(entries, name, ed2.blob);
    expect(changed.status).toBe('changed');
    expect(changed.status === 'changed' && changed.entry.line).toBe(1);
    expect(checkHostKey(entries, '10.0.0.2', ed.blob).status).toBe('unknown');
    expect(checkHostKey(entries, '10.0.0.9', ed.blob).status).toBe('unknown');
    expect(checkHostKey(entries, '10.0.0.3', ed2.blob).status).toBe('revoked');
  });

  it('ignores @cert-authority lines (host certificates are not supported)', () => {
    const entries = parseKnownHosts(`@cert-authority * ${ed.line}`, 'f');
    expect(checkHostKey(entries, 'x', ed.blob).status).toBe('unknown');
  });

  it('accepts when any of several entries matches (key rotation: old and new listed)', () => {
    const entries = parseKnownHosts(`h ${ed2.line}\nh ${ed.line}`, 'f');
    expect(checkHostKey(entries, 'h', ed.blob).status).toBe('match');
    expect(knownKeyTypes(entries, 'h')).toEqual(['ssh-ed25519']);
  });
});

describe('files', () => {
  it('loads several files in order, a missing one counting as empty', async () => {
    const a = join(dir, 'kh-a');
    const b = join(dir, 'kh-b');
    writeFileSync(a, `h1 ${ed.line}\n`);
    writeFileSync(b, `h2 ${rsa.line}\n`);
    const entries = await loadKnownHosts([a, join(dir, 'missing'), b]);
    expect(entries.map((e) => `${e.file}:${e.line}`)).toEqual([`${a}:1`, `${b}:1`]);
  });

  it('appends a plain line, adding a newline to a file that lacks one, and creating a missing file 0600', async () => {
    const f = join(dir, 'kh-append');
    writeFileSync(f, `h1 ${ed.line}`);
    await appendKnownHost(f, '[h2]:2200', rsa.blob);
    expect(readFileSync(f, 'utf8')).toBe(`h1 ${ed.line}\n[h2]:2200 ${rsa.line}\n`);
    const created = join(dir, 'new-folder', 'known_hosts');
    await appendKnownHost(created, 'h3', ed.blob);
    expect(readFileSync(created, 'utf8')).toBe(`h3 ${ed.line}\n`);
    expect(execFileSync('stat', ['-c', '%a', created]).toString().trim()).toBe('600');
    // ssh-keygen itself finds the appended entry.
    expect(execFileSync('ssh-keygen', ['-F', '[h2]:2200', '-f', f]).toString()).toContain('ssh-rsa');
  });
});
