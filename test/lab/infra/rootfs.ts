// Writes a node's files on the host under DIR/nodes/<node>/rootfs (CONTRACT.md "A node").
import fs from 'node:fs';
import path from 'node:path';
import type { NodeConfig } from '../node/common/node-config.js';
import type { NodeFile } from './peers.js';
import { labUsers, sudoersFile, type UserFiles } from './users.js';

/**
 * Paths bind-mounted from the rootfs onto the same path inside the node, in mount order
 * (`tmp` last: the lab folder may live under /tmp). Directories, except the `etc/` files.
 */
export const boundDirs = [
  'etc/kubernetes',
  'var/lib/etcd',
  'var/lib/kubelet',
  'root',
  'home',
  'etc/sudoers.d',
  'usr/local/bin',
  'var/lib/kcrlab',
  'var/lib/kube-cert-renew',
  'tmp',
] as const;
export const boundFiles = [
  'etc/passwd',
  'etc/group',
  'etc/shadow',
  'etc/hosts',
  'etc/hostname',
  'etc/resolv.conf',
] as const;

/** Inside the node: sshd's config, host key, pid file and log. */
export const sshdFiles = {
  config: '/var/lib/kcrlab/sshd_config',
  hostKey: '/var/lib/kcrlab/ssh_host_ed25519_key',
  pidFile: '/var/lib/kcrlab/sshd.pid',
  log: '/var/lib/kcrlab/sshd.log',
} as const;

export interface NodeRootfsInput {
  rootfs: string;
  config: NodeConfig;
  files: NodeFile[];
  users: UserFiles;
  clientPublicKey: string;
  /** name -> address of every node of the node's cluster (for /etc/hosts). */
  clusterNodes: { name: string; address: string }[];
}

const write = (rootfs: string, rel: string, data: string | Buffer, mode: number): void => {
  const file = path.join(rootfs, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data, { mode });
  fs.chmodSync(file, mode);
};

export function sshdConfig(address: string): string {
  return [
    '# kcrlab node sshd (keys only; the kcrsudo password is for sudo)',
    `ListenAddress ${address}:22`,
    `HostKey ${sshdFiles.hostKey}`,
    `PidFile ${sshdFiles.pidFile}`,
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'UseDNS no',
    'PrintMotd no',
    'MaxStartups 200:30:400',
    'MaxSessions 64',
    'ClientAliveInterval 0',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

export function hostsFile(config: NodeConfig, clusterNodes: { name: string; address: string }[]): string {
  const endpointHost = config.controlPlaneEndpoint.replace(/:\d+$/, '');
  const endpointAddress = config.role === 'master' ? config.address : (config.masters[0]?.address ?? config.address);
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    `${config.address}\t${config.name}`,
  ];
  if (endpointHost !== config.name) lines.push(`${endpointAddress}\t${endpointHost}`);
  for (const n of clusterNodes) if (n.name !== config.name) lines.push(`${n.address}\t${n.name}`);
  return `${lines.join('\n')}\n`;
}

/** Writes every file of one node (the host key is made separately, see up.ts). */
export function writeNodeRootfs(input: NodeRootfsInput): void {
  const { rootfs, config, users } = input;
  fs.rmSync(rootfs, { recursive: true, force: true });
  for (const d of boundDirs) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  fs.chmodSync(path.join(rootfs, 'var/lib/etcd'), 0o700);
  fs.chmodSync(path.join(rootfs, 'root'), 0o700);
  for (const f of input.files) write(rootfs, f.path, f.data, f.mode);
  write(rootfs, 'var/lib/kcrlab/node.json', `${JSON.stringify(config, null, 2)}\n`, 0o644);
  write(rootfs, 'var/lib/kcrlab/faults.json', '{}\n', 0o644);
  write(rootfs, 'etc/passwd', users.passwd, 0o644);
  write(rootfs, 'etc/group', users.group, 0o644);
  write(rootfs, 'etc/shadow', users.shadow, 0o640);
  fs.chownSync(path.join(rootfs, 'etc/shadow'), 0, users.shadowGid);
  write(rootfs, 'etc/sudoers.d/kcrlab', sudoersFile, 0o440);
  write(rootfs, 'etc/hosts', hostsFile(config, input.clusterNodes), 0o644);
  write(rootfs, 'etc/hostname', `${config.name}\n`, 0o644);
  // No DNS inside the lab: a lookup missing from /etc/hosts fails at once instead of timing out.
  write(
    rootfs,
    'etc/resolv.conf',
    '# kcrlab node: no DNS (names are in /etc/hosts)\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n',
    0o644,
  );
  write(rootfs, 'var/lib/kcrlab/sshd_config', sshdConfig(config.address), 0o644);
  const authorized = `${input.clientPublicKey}\n`;
  write(rootfs, 'root/.ssh/authorized_keys', authorized, 0o600);
  fs.chmodSync(path.join(rootfs, 'root/.ssh'), 0o700);
  for (const u of labUsers) {
    const home = path.join(rootfs, 'home', u);
    write(rootfs, `home/${u}/.ssh/authorized_keys`, authorized, 0o600);
    fs.chmodSync(path.join(home, '.ssh'), 0o700);
    fs.chmodSync(home, 0o750);
    for (const p of [home, path.join(home, '.ssh'), path.join(home, '.ssh/authorized_keys')])
      fs.chownSync(p, users.uids[u], users.uids[u]);
  }
}
