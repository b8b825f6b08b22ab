// Checks zod cannot make one object at a time: names unique across the file, one machine listed
// once, files that must be readable on this machine, settings that need each other.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { InputError } from '../errors.js';
import { inputErrorAt, positionOf, type YamlPath } from '../yaml/positions.js';
import { fsReason, type YamlSource } from '../yaml/source.js';
import { expandLocalPath, nearest } from './resolve.js';
import type { RawBastion, RawInventory, RawSsh } from './schema.js';
import type { Host, SshTarget } from './types.js';

interface Located<T> {
  path: YamlPath;
  line: number;
  col: number;
  item: T;
}

/** Items with their position in the file, in file order. */
function located<T>(source: YamlSource, items: Array<{ path: YamlPath; item: T }>): Array<Located<T>> {
  return items
    .map(({ path, item }) => ({ path, item, ...positionOf(source, path) }))
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

/** Throws at the second of two items with the same key. */
function refuseRepeats<T>(
  source: YamlSource,
  items: Array<Located<T>>,
  keyOf: (item: T) => string,
  describe: (item: T, first: Located<T>) => [string, string],
): void {
  const seen = new Map<string, Located<T>>();
  for (const entry of items) {
    const key = keyOf(entry.item);
    const first = seen.get(key);
    if (first) {
      const [message, hint] = describe(entry.item, first);
      throw inputErrorAt(source, entry.path, message, hint);
    }
    seen.set(key, entry);
  }
}

export function checkUniqueNames(source: YamlSource, raw: RawInventory): void {
  const clusters = located(
    source,
    raw.clusters.map((c, i) => ({ path: ['clusters', i, 'name'], item: c.name })),
  );
  refuseRepeats(
    source,
    clusters,
    (name) => name,
    (name, first) => [
      `cluster "${name}" is already defined at ${first.line}:${first.col}`,
      'give each cluster its own name',
    ],
  );
  const hosts = located(
    source,
    raw.clusters.flatMap((c, i) =>
      (['masters', 'workers'] as const).flatMap((role) =>
        (c[role] ?? []).map((h, j) => ({
          path: ['clusters', i, role, j, 'name'],
          item: { name: h.name, cluster: c.name },
        })),
      ),
    ),
  );
  refuseRepeats(
    source,
    hosts,
    // Kubernetes lowercases node names: VM-0-12-centos and vm-0-12-centos are one node.
    (h) => h.name.toLowerCase(),
    (h, first) => [
      `host "${h.name}" is already listed at ${first.line}:${first.col}, in cluster "${first.item.cluster}"`,
      'list each host once, in one cluster',
    ],
  );
}

/** Two entries reaching the same machine (same bastion, address and port) are one host listed twice. */
export function checkUniqueEndpoints(source: YamlSource, hostPaths: Map<Host, YamlPath>): void {
  const hosts = located(
    source,
    [...hostPaths].map(([host, path]) => ({
      path: host.ssh.address === host.name ? [...path, 'name'] : [...path, 'address'],
      item: host,
    })),
  );
  const endpoint = (t: SshTarget) => `${t.address.toLowerCase()}:${t.port}`;
  refuseRepeats(
    source,
    hosts,
    (h) => `${h.ssh.bastion ? `${endpoint(h.ssh.bastion)} > ` : ''}${endpoint(h.ssh)}`,
    (h, first) => [
      `host "${h.name}" has the same address and port (${endpoint(h.ssh)}) as host "${first.item.name}" at ${first.line}:${first.col}`,
      'list each machine once; if they differ, correct the address or port',
    ],
  );
}

/** `upload` needs a local binary, at whatever level it is set. */
export function checkKubeadm(source: YamlSource, raw: RawInventory): void {
  raw.clusters.forEach((cluster, i) => {
    const layers = [cluster.kubeadm, raw.defaults?.kubeadm];
    if (nearest(layers, 'provision') !== 'upload' || nearest(layers, 'localBinary') !== undefined) return;
    const path =
      cluster.kubeadm?.provision !== undefined
        ? ['clusters', i, 'kubeadm', 'provision']
        : ['defaults', 'kubeadm', 'provision'];
    throw inputErrorAt(
      source,
      path,
      `"provision: upload" needs "localBinary" in cluster "${cluster.name}"`,
      'set kubeadm.localBinary to the kubeadm binary to upload, or use provision: download',
    );
  });
}

export interface LocalFileContext {
  baseDir: string;
  home?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Every declared identity file and known_hosts file must be readable; `agent: true` needs SSH_AUTH_SOCK.
 * With `collect`, every such problem is passed to it instead of the first being thrown.
 */
export async function checkLocalFiles(
  source: YamlSource,
  raw: RawInventory,
  ctx: LocalFileContext,
  collect?: (problem: InputError) => void,
): Promise<void> {
  const report = (problem: InputError): void => {
    if (!collect) throw problem;
    collect(problem);
  };
  const files: Array<{ path: YamlPath; item: { kind: string; file: string } }> = [];
  for (const { path, ssh } of declaredSsh(raw)) {
    if (ssh.agent === true && !ctx.env.SSH_AUTH_SOCK) {
      report(
        inputErrorAt(
          source,
          [...path, 'agent'],
          '"agent: true" but SSH_AUTH_SOCK is not set',
          'start ssh-agent and ssh-add your key, or give the socket path',
        ),
      );
    }
    if (ssh.identityFile !== undefined)
      files.push({ path: [...path, 'identityFile'], item: { kind: 'identity file', file: ssh.identityFile } });
    (ssh.knownHostsFiles ?? []).forEach((file, k) =>
      files.push({ path: [...path, 'knownHostsFiles', k], item: { kind: 'known_hosts file', file } }),
    );
  }
  const verdicts = new Map<string, Promise<string | undefined>>();
  for (const { path, item } of located(source, files)) {
    const absolute = expandLocalPath(item.file, ctx.baseDir, ctx.home);
    if (!verdicts.has(absolute)) verdicts.set(absolute, unreadableReason(absolute));
    const reason = await verdicts.get(absolute);
    if (reason) {
      report(
        inputErrorAt(
          source,
          path,
          `${item.kind} ${absolute} cannot be read: ${reason}`,
          "check the path and its permissions; relative paths start at the inventory's folder, ~ is your home",
        ),
      );
    }
  }
}

/** Why `file` cannot be read as a regular file, or undefined when it can. Its content is not read. */
async function unreadableReason(file: string): Promise<string | undefined> {
  try {
    if (!(await stat(file)).isFile()) return 'not a regular file';
    await access(file, constants.R_OK);
    return undefined;
  } catch (err) {
    return fsReason(err);
  }
}

/** Every `ssh` block and bastion written in the file, with its path. */
function declaredSsh(raw: RawInventory): Array<{ path: YamlPath; ssh: RawSsh | RawBastion }> {
  const blocks: Array<{ path: YamlPath; ssh: RawSsh | undefined }> = [
    { path: ['defaults', 'ssh'], ssh: raw.defaults?.ssh },
  ];
  raw.clusters.forEach((c, i) => {
    blocks.push({ path: ['clusters', i, 'ssh'], ssh: c.ssh });
    for (const role of ['masters', 'workers'] as const) {
      (c[role] ?? []).forEach((h, j) => blocks.push({ path: ['clusters', i, role, j, 'ssh'], ssh: h.ssh }));
    }
  });
  return blocks.flatMap(({ path, ssh }) => {
    if (!ssh) return [];
    const own = { path, ssh };
    return ssh.bastion ? [own, { path: [...path, 'bastion'], ssh: ssh.bastion }] : [own];
  });
}
