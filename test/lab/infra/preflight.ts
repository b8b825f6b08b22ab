// Can this machine run a lab? Root, network namespaces and the programs the lab starts.
import fs from 'node:fs';
import { run } from './proc.js';
import { LabError } from './state.js';

const programs = [
  '/usr/sbin/sshd',
  '/usr/bin/ssh-keygen',
  'ip',
  'unshare',
  'nsenter',
  'openssl',
  'etcd',
  'etcdctl',
  'mount',
  'sudo',
];

function onPath(p: string): boolean {
  if (p.startsWith('/')) return fs.existsSync(p);
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d && fs.existsSync(`${d}/${p}`));
}

/** Why the lab cannot run here, or null when it can. */
export async function labUnavailableReason(): Promise<string | null> {
  if (process.platform !== 'linux') return `the lab needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the lab needs root (network and mount namespaces, bind mounts, sshd)';
  const missing = programs.filter((p) => !onPath(p));
  if (missing.length) return `missing programs: ${missing.join(', ')} (see test/lab/README.md)`;
  const r = await run('ip', ['netns', 'list']);
  if (r.code !== 0) return `\`ip netns\` is unavailable: ${r.stderr.trim()}`;
  return null;
}

export async function preflight(): Promise<void> {
  const reason = await labUnavailableReason();
  if (reason) throw new LabError(reason);
}
