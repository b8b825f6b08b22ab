// Builds inventory Host objects for transport tests.
import type { Host, SshTarget } from '../../src/inventory/types.js';

export function sshTarget(fields: Partial<SshTarget> & { port: number }): SshTarget {
  return {
    address: '127.0.0.1',
    user: 'root',
    knownHostsFiles: [],
    connectTimeoutMs: 5000,
    ...fields,
  };
}

export function testHost(ssh: Partial<Host['ssh']> & { port: number }, extra: Partial<Omit<Host, 'ssh'>> = {}): Host {
  return {
    name: extra.name ?? `node-${ssh.port}`,
    cluster: extra.cluster ?? 'test',
    role: extra.role ?? 'master',
    ssh: sshTarget(ssh),
    become: extra.become ?? { enabled: false },
    vars: extra.vars ?? {},
  };
}
