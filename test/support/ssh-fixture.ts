// One sshd, one client key authorized for every user, and a known_hosts file that trusts the
// server: the usual starting point of a transport test.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Host } from '../../src/inventory/types.js';
import { testHost } from './hosts.js';
import { generateKey, makeTempDir, startSshd, type SshdHandle, type SshdOptions } from './sshd.js';

export interface SshFixture {
  sshd: SshdHandle;
  /** Temp folder for the client side (key, known_hosts). */
  dir: string;
  identityFile: string;
  publicKeyLine: string;
  /** Trusts the server as `[127.0.0.1]:port`. */
  knownHostsFile: string;
  /** A Host for this server, root by default. */
  host(ssh?: Partial<Host['ssh']>, extra?: Partial<Omit<Host, 'ssh'>>): Host;
  stop(): Promise<void>;
}

export async function startSshFixture(opts: SshdOptions = {}): Promise<SshFixture> {
  const dir = makeTempDir('kcr-client-');
  const key = generateKey(dir, 'id_ed25519');
  const sshd = await startSshd({ ...opts, authorizedKeys: [key.publicKeyLine, ...(opts.authorizedKeys ?? [])] });
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub}\n`);
  return {
    sshd,
    dir,
    identityFile: key.privateKeyPath,
    publicKeyLine: key.publicKeyLine,
    knownHostsFile,
    host: (ssh = {}, extra = {}) =>
      testHost({ port: sshd.port, identityFile: key.privateKeyPath, knownHostsFiles: [knownHostsFile], ...ssh }, extra),
    stop: async () => {
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
