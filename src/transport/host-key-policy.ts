// The decision on a host key presented during the handshake: accept a known key, refuse a changed
// or revoked one, refuse an unknown one unless new keys may be recorded (then append it to the
// first known_hosts file; a changed key is never replaced).
import type { Logger } from 'pino';
import type { SshTarget } from '../inventory/types.js';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  keyTypeOfBlob,
  knownHostsName,
  knownKeyTypes,
  loadKnownHosts,
} from './known-hosts.js';

export interface HostKeyPolicy {
  acceptNewHostKeys: boolean;
  logger: Logger;
}

// Appends run one at a time per file, each re-reading the file first, so two connections to the
// same new host record it once.
const appendQueues = new Map<string, Promise<unknown>>();
function serialized<T>(file: string, job: () => Promise<T>): Promise<T> {
  const previous = appendQueues.get(file) ?? Promise.resolve();
  const next = previous.then(job, job);
  appendQueues.set(
    file,
    next.catch(() => undefined),
  );
  return next;
}

/** Resolves to undefined when the key is accepted, or to the reason it is refused. */
export async function checkPresentedHostKey(
  target: SshTarget,
  keyBlob: Buffer,
  policy: HostKeyPolicy,
): Promise<string | undefined> {
  const name = knownHostsName(target.address, target.port);
  const label = `${target.address}:${target.port}`;
  const fingerprint = fingerprintSha256(keyBlob);
  const verdict = checkHostKey(await loadKnownHosts(target.knownHostsFiles), name, keyBlob);
  switch (verdict.status) {
    case 'match':
      return undefined;
    case 'revoked':
      return `host key for ${label} is REVOKED (${fingerprint}) in ${verdict.entry.file}:${verdict.entry.line}`;
    case 'changed':
      return (
        `host key CHANGED for ${label} (${fingerprint}); known_hosts has another ${verdict.entry.keyType} key at ` +
        `${verdict.entry.file}:${verdict.entry.line}: the host was reinstalled or someone is intercepting the connection`
      );
    case 'unknown':
      break;
  }
  const unknown = `unknown host key for ${label} (${keyTypeOfBlob(keyBlob)} ${fingerprint}); add it to known_hosts or run with --accept-new-host-keys`;
  const file = target.knownHostsFiles[0];
  if (!policy.acceptNewHostKeys) return unknown;
  if (!file) return `${unknown} (no known_hosts file is configured to record it)`;
  return serialized(file, async () => {
    const again = checkHostKey(await loadKnownHosts(target.knownHostsFiles), name, keyBlob);
    if (again.status === 'match') return undefined;
    if (again.status !== 'unknown')
      return checkPresentedHostKey(target, keyBlob, { ...policy, acceptNewHostKeys: false });
    await appendKnownHost(file, name, keyBlob);
    policy.logger.warn({ host: label, fingerprint, file }, 'recorded a new host key');
    return undefined;
  });
}

// ssh2's default host key algorithms, in its order.
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;
export type HostKeyAlgorithm = (typeof DEFAULT_HOST_KEY_ALGORITHMS)[number];

/** Host key algorithms with those we hold a key for first (as OpenSSH orders them), so a host
 *  known by its RSA key is not refused as "unknown" because ed25519 was negotiated instead.
 *  Undefined when nothing is known (ssh2's defaults apply). */
export async function preferredHostKeyAlgorithms(target: SshTarget): Promise<HostKeyAlgorithm[] | undefined> {
  const types = knownKeyTypes(
    await loadKnownHosts(target.knownHostsFiles),
    knownHostsName(target.address, target.port),
  );
  const preferred = DEFAULT_HOST_KEY_ALGORITHMS.filter((algo) =>
    types.includes(algo.startsWith('rsa-sha2-') ? 'ssh-rsa' : algo),
  );
  if (preferred.length === 0) return undefined;
  return [...preferred, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a))];
}
