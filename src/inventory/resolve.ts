// Inheritance: built-in defaults < top-level `defaults` < cluster < host, the nearest winning,
// field by field. Paths become absolute. Input is the validated file; output the model others use.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { YamlPath } from '../yaml/positions.js';
import type {
  RawBastion,
  RawCluster,
  RawDefaults,
  RawHost,
  RawInventory,
  RawKubeadm,
  RawSsh,
  RawVars,
} from './schema.js';
import type { Cluster, Host, HostRole, Inventory, KubeadmSettings, SshSettings, SshTarget } from './types.js';

export const BUILT_IN = {
  user: 'root',
  port: 22,
  knownHostsFiles: ['~/.ssh/known_hosts'],
  connectTimeoutMs: 10_000,
  becomeEnabled: false,
  provision: 'none',
  mirrorUrl: 'https://storage.googleapis.com/kubernetes-release/release/v{version}/bin/linux/{arch}/kubeadm',
  installDir: '/var/lib/kube-cert-renew/bin',
  etcd: 'stacked',
} as const;

export interface ResolveContext {
  /** Absolute path of the inventory file. */
  file: string;
  /** Folder relative paths start from (the inventory file's folder). */
  baseDir: string;
  home?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Resolved {
  inventory: Inventory;
  /** Where each host is written in the file (for errors found after resolution). */
  hostPaths: Map<Host, YamlPath>;
}

/** `~` and `~/x` from the home folder, relative paths from `baseDir`. */
export function expandLocalPath(path: string, baseDir: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolvePath(baseDir, path);
}

export function resolveInventory(raw: RawInventory, ctx: ResolveContext): Resolved {
  const hostPaths = new Map<Host, YamlPath>();
  const defaults: RawDefaults = raw.defaults ?? {};
  const clusters = raw.clusters.map((rawCluster, index): Cluster => {
    const vars = { ...defaults.vars, ...rawCluster.vars };
    const hostsOf = (role: HostRole, list: RawHost[] | undefined) =>
      (list ?? []).map((rawHost, hostIndex) => {
        const host = resolveHost(rawHost, role, rawCluster, vars, defaults, ctx);
        hostPaths.set(host, ['clusters', index, role === 'master' ? 'masters' : 'workers', hostIndex]);
        return host;
      });
    return compact({
      name: rawCluster.name,
      type: rawCluster.type,
      kubernetesVersion: rawCluster.kubernetesVersion?.replace(/^v/, ''),
      runtime: rawCluster.runtime,
      etcd: rawCluster.etcd ?? BUILT_IN.etcd,
      kubeadm: resolveKubeadm([rawCluster.kubeadm, defaults.kubeadm], ctx),
      masters: hostsOf('master', rawCluster.masters),
      workers: hostsOf('worker', rawCluster.workers),
      vars,
    });
  });
  return { inventory: { file: ctx.file, clusters }, hostPaths };
}

function resolveHost(
  raw: RawHost,
  role: HostRole,
  cluster: RawCluster,
  clusterVars: RawVars,
  defaults: RawDefaults,
  ctx: ResolveContext,
): Host {
  const becomeLayers = [raw.become, cluster.become, defaults.become];
  return {
    name: raw.name,
    cluster: cluster.name,
    role,
    ssh: resolveSsh(raw.address ?? raw.name, [raw.ssh, cluster.ssh, defaults.ssh], ctx),
    become: compact({
      enabled: nearest(becomeLayers, 'enabled') ?? BUILT_IN.becomeEnabled,
      passwordEnv: nearest(becomeLayers, 'passwordEnv'),
    }),
    vars: { ...clusterVars, ...raw.vars },
  };
}

function resolveSsh(address: string, layers: Array<RawSsh | undefined>, ctx: ResolveContext): SshSettings {
  const settings: SshSettings = resolveTarget(address, layers, ctx);
  // `bastion: null` at a nearer level turns off one set further up.
  const rawBastion = layers.find((l) => l?.bastion !== undefined)?.bastion;
  if (rawBastion) settings.bastion = resolveBastion(rawBastion, layers, ctx);
  return settings;
}

/**
 * A bastion's unset fields come from the target's levels, except its port (22), and never the
 * target's `passwordEnv` (a bastion must not be sent the target's password). A bastion with its own
 * `identityFile` only uses its own `passphraseEnv`.
 */
function resolveBastion(bastion: RawBastion, layers: Array<RawSsh | undefined>, ctx: ResolveContext): SshTarget {
  const withheld = new Set<string>([
    'port',
    'passwordEnv',
    'bastion',
    ...(bastion.identityFile !== undefined ? ['passphraseEnv'] : []),
  ]);
  const inherited = layers.map((l) =>
    l ? (Object.fromEntries(Object.entries(l).filter(([k]) => !withheld.has(k))) as RawSsh) : undefined,
  );
  return resolveTarget(bastion.address, [bastion, ...inherited], ctx);
}

function resolveTarget(
  address: string,
  layers: Array<RawSsh | RawBastion | undefined>,
  ctx: ResolveContext,
): SshTarget {
  const local = (p: string) => expandLocalPath(p, ctx.baseDir, ctx.home);
  const identityFile = nearest(layers, 'identityFile');
  const agent = nearest(layers, 'agent');
  return compact({
    address,
    port: nearest(layers, 'port') ?? BUILT_IN.port,
    user: nearest(layers, 'user') ?? BUILT_IN.user,
    identityFile: identityFile === undefined ? undefined : local(identityFile),
    agentSocket:
      agent === true ? (ctx.env ?? process.env).SSH_AUTH_SOCK : typeof agent === 'string' ? local(agent) : undefined,
    passwordEnv: nearest(layers, 'passwordEnv'),
    passphraseEnv: nearest(layers, 'passphraseEnv'),
    knownHostsFiles: (nearest(layers, 'knownHostsFiles') ?? BUILT_IN.knownHostsFiles).map(local),
    connectTimeoutMs: nearest(layers, 'connectTimeoutMs') ?? BUILT_IN.connectTimeoutMs,
  });
}

function resolveKubeadm(layers: Array<RawKubeadm | undefined>, ctx: ResolveContext): KubeadmSettings {
  const localBinary = nearest(layers, 'localBinary');
  return compact({
    provision: nearest(layers, 'provision') ?? BUILT_IN.provision,
    localBinary: localBinary === undefined ? undefined : expandLocalPath(localBinary, ctx.baseDir, ctx.home),
    mirrorUrl: nearest(layers, 'mirrorUrl') ?? BUILT_IN.mirrorUrl,
    installDir: nearest(layers, 'installDir') ?? BUILT_IN.installDir,
  });
}

/** The value of `key` at the nearest level that sets it (levels listed nearest first). */
export function nearest<T extends object, K extends keyof T>(
  layers: ReadonlyArray<T | undefined>,
  key: K,
): T[K] | undefined {
  for (const layer of layers) {
    if (layer && layer[key] !== undefined) return layer[key];
  }
  return undefined;
}

/** Drops undefined fields, so an unset optional is absent rather than present-but-undefined. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
