// OpenSSH known_hosts: parsing, matching and the verdict on a presented host key.
// Supported: plain names and comma lists (with `*`/`?` wildcards and `!` negation), hashed names
// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, `[host]:port` for ports other than 22, comments,
// `@revoked` (the key is refused), several files checked in order.
// `@cert-authority` lines are skipped: host certificates are not supported yet, so a host known only
// through a CA is "unknown".
// New keys (opt-in) are appended to the first file as plain `name keytype base64` lines: readable and
// easy to audit; hashing would hide nothing here since the inventory names the hosts anyway.
import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** Plain host patterns, or a hashed name. */
  hosts: { kind: 'plain'; patterns: string[] } | { kind: 'hashed'; salt: Buffer; hash: Buffer };
  keyType: string;
  keyBlob: Buffer;
}

export type HostKeyVerdict =
  | { status: 'match'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'unknown' };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** `SHA256:` + unpadded base64 of sha256(key blob), exactly as `ssh-keygen -l` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return '';
  const len = keyBlob.readUInt32BE(0);
  if (len > keyBlob.length - 4) return '';
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

function parseHosts(field: string): KnownHostEntry['hosts'] | undefined {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return undefined;
    return { kind: 'hashed', salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  }
  return { kind: 'plain', patterns: field.split(',').filter((p) => p !== '') };
}

/** Parses one known_hosts file's text. Malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    } else if (fields[0].startsWith('@')) {
      return;
    }
    const [hostField, keyType, keyBase64] = fields;
    if (!hostField || !keyType || !keyBase64) return;
    const hosts = parseHosts(hostField);
    const keyBlob = Buffer.from(keyBase64, 'base64');
    if (!hosts || keyBlob.length === 0) return;
    entries.push({ file, line: index + 1, ...(marker ? { marker } : {}), hosts, keyType, keyBlob });
  });
  return entries;
}

function globMatches(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** Whether an entry names `name` (as built by `knownHostsName`). */
export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.kind === 'hashed') {
    const hmac = createHmac('sha1', entry.hosts.salt).update(name.toLowerCase()).digest();
    return hmac.equals(entry.hosts.hash);
  }
  let matched = false;
  for (const pattern of entry.hosts.patterns) {
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), name)) return false;
    } else if (globMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** Reads the files in order; a missing file counts as empty. */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

/** The verdict on `keyBlob` presented by `name`. A known host with a key of another type only is
 *  "unknown" (as in OpenSSH), a different key of the same type is "changed". */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, keyBlob: Buffer): HostKeyVerdict {
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.keyBlob.equals(keyBlob));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.keyBlob.equals(keyBlob));
  if (match) return { status: 'match', entry: match };
  const type = keyTypeOfBlob(keyBlob);
  const changed = plain.find((e) => keyTypeOfBlob(e.keyBlob) === type);
  if (changed) return { status: 'changed', entry: changed };
  return { status: 'unknown' };
}

/** Key types recorded for `name`, so the handshake can prefer an algorithm we can verify. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = entries
    .filter((e) => e.marker === undefined && entryMatchesHost(e, name))
    .map((e) => keyTypeOfBlob(e.keyBlob));
  return [...new Set(types)];
}

/** Appends `name keytype base64` to `file` (created 0600, with its folder, when missing). */
export async function appendKnownHost(file: string, name: string, keyBlob: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const line = `${name} ${keyTypeOfBlob(keyBlob)} ${keyBlob.toString('base64')}\n`;
  let prefix = '';
  try {
    const current = await readFile(file, 'utf8');
    if (current.length > 0 && !current.endsWith('\n')) prefix = '\n';
  } catch {
    // missing file: created by appendFile
  }
  await appendFile(file, prefix + line, { mode: 0o600 });
}
