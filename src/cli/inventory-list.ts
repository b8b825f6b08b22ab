// `inventory list [FILE]`: every host with the SSH settings it will really use, after inheritance
// (defaults < cluster < host) and the OpenSSH config, as `ansible-inventory --list` shows Ansible's.
// Connects to nothing. `--json` prints the resolved model (secrets are never in it: only the names
// of the environment variables that hold them).
import { selectTargets } from '../inventory/targeting.js';
import type { Host, Inventory, SshTarget } from '../inventory/types.js';
import { loadNotingLocalFiles } from './inventory-validate.js';
import type { CliDeps, CliIo } from './io.js';

export interface InventoryListFlags {
  cluster?: string[];
  limit?: string[];
  json?: boolean;
}

export async function inventoryList(
  file: string,
  flags: InventoryListFlags,
  io: CliIo,
  deps: Pick<CliDeps, 'loadInventory'>,
): Promise<number> {
  const inventory = selectTargets(await loadNotingLocalFiles(file, io, deps), {
    clusters: flags.cluster,
    limit: flags.limit,
  });
  io.stdout.write(flags.json ? `${JSON.stringify(inventory, null, 2)}\n` : inventoryTable(inventory, io.env.HOME));
  return 0;
}

/** `root@10.0.0.1:22`, with the alias the SSH config turned into that address. */
export function endpoint(t: SshTarget): string {
  return `${t.user}@${t.address}:${t.port}${t.alias ? ` (${t.alias})` : ''}`;
}

const tilde = (file: string, home: string | undefined): string =>
  home && (file === home || file.startsWith(`${home}/`)) ? `~${file.slice(home.length)}` : file;

function auth(t: SshTarget, home: string | undefined): string {
  const ways = [
    t.identityFile ? `key ${tilde(t.identityFile, home)}` : '',
    t.agentSocket ? 'agent' : '',
    t.passwordEnv ? `password $${t.passwordEnv}` : '',
  ].filter(Boolean);
  return ways.length > 0 ? ways.join(', ') : 'none set (no key, agent or password)';
}

function hostLines(host: Host, home: string | undefined): string[] {
  const ssh = host.ssh;
  const lines = [`  ${host.name} (${host.role}) ${endpoint(ssh)}`];
  if (ssh.bastion) lines.push(`      via ${endpoint(ssh.bastion)}; ${auth(ssh.bastion, home)}`);
  lines.push(`      auth: ${auth(ssh, home)}${host.become.enabled ? '; sudo' : ''}`);
  lines.push(`      known_hosts: ${ssh.knownHostsFiles.map((f) => tilde(f, home)).join(', ')}`);
  if (ssh.sshConfigFile) lines.push(`      ssh config: ${tilde(ssh.sshConfigFile, home)}`);
  return lines;
}

export function inventoryTable(inventory: Inventory, home?: string): string {
  const out: string[] = [];
  for (const cluster of inventory.clusters) {
    out.push(`${cluster.name} (${cluster.type}${cluster.kubernetesVersion ? ` ${cluster.kubernetesVersion}` : ''})`);
    for (const host of [...cluster.masters, ...cluster.workers]) out.push(...hostLines(host, home));
  }
  return `${out.join('\n')}\n`;
}
