// Inheritance: built-in defaults < top-level `defaults` < cluster < host, the nearest winning,
// field by field. Paths become absolute. Input is the validated file; output the model others use.
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { InputError } from '../errors.js';
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
import { isValidAddress, isValidUser } from './schema.js';
import { expandTokens, lookupSshConfig, parseProxyJump, type SshConfig } from './ssh-config.js';
import type { Cluster, Host, HostRole, Inventory, KubeadmSettings, SshSettings, SshTarget } from './types.js';

export const BUILT_IN = {
  user: 'root',
  port: 22,
  knownHostsFiles: ['~/.ssh/known_hosts'],
  sshConfigFile: '~/.ssh/config',
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
  /** OpenSSH client configs read beforehand (load.ts), by absolute path; one absent is not used. */
  sshConfigs?: ReadonlyMap<string, SshConfig>;
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

/** The OpenSSH config file for these levels: the nearest `configFile`, else ~/.ssh/config; false: none. */
export function sshConfigFileOf(layers: ReadonlyArray<RawSsh | undefined>, ctx: ResolveContext): string | undefined {
  const chosen = nearest(layers, 'configFile') ?? BUILT_IN.sshConfigFile;
  return chosen === false ? undefined : expandLocalPath(chosen, ctx.baseDir, ctx.home);
}

/** What the config gives a target, its values checked as the inventory's own and tokens expanded. */
interface FromConfig {
  address?: string;
  user?: string;
  port?: number;
  identityFile?: string;
  knownHostsFiles?: string[];
  proxyJump?: { user?: string; host: string; port?: number; file: string; line: number };
}

function fromSshConfig(config: SshConfig | undefined, alias: string, ctx: ResolveContext): FromConfig {
  if (!config) return {};
  const entry = lookupSshConfig(config, alias);
  const at = (keyword: string) => {
    const setting = entry.lines.find((l) => l.keyword === keyword)!;
    return { file: setting.file, line: setting.line };
  };
  const home = ctx.home ?? homedir();
  const tokens = (user: string) => ({ h: alias, r: user, d: home, u: localUser(ctx) });
  const result: FromConfig = {};
  if (entry.hostName !== undefined) {
    const address = expandTokens(entry.hostName, tokens(''), at('hostName'));
    if (!isValidAddress(address))
      throw new InputError(`HostName ${address} is not a valid address`, at('hostName'), 'write a host name or an IP');
    result.address = address;
  }
  if (entry.user !== undefined) {
    if (!isValidUser(entry.user))
      throw new InputError(`User ${entry.user} is not a valid user name`, at('user'), 'write a login name');
    result.user = entry.user;
  }
  if (entry.port !== undefined) {
    const port = Number(entry.port);
    if (!/^\d+$/.test(entry.port) || port < 1 || port > 65535)
      throw new InputError(`Port ${entry.port} is not a port`, at('port'), 'write a number from 1 to 65535');
    result.port = port;
  }
  const user = result.user ?? BUILT_IN.user;
  // As ssh does: a configured identity file that does not exist is passed over, not an error.
  if (entry.identityFile !== undefined && entry.identityFile.toLowerCase() !== 'none') {
    const file = expandLocalPath(expandTokens(entry.identityFile, tokens(user), at('identityFile')), home, home);
    if (existsSync(file)) result.identityFile = file;
  }
  if (entry.userKnownHostsFile !== undefined && entry.userKnownHostsFile[0]?.toLowerCase() !== 'none')
    result.knownHostsFiles = entry.userKnownHostsFile.map((f) =>
      expandLocalPath(expandTokens(f, tokens(user), at('userKnownHostsFile')), home, home),
    );
  if (entry.proxyJump !== undefined) {
    const jump = parseProxyJump(entry.proxyJump, at('proxyJump'));
    if (jump) result.proxyJump = { ...jump, ...at('proxyJump') };
  }
  return result;
}

function localUser(ctx: ResolveContext): string {
  const env = ctx.env ?? process.env;
  if (env.USER) return env.USER;
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

function resolveSsh(alias: string, layers: Array<RawSsh | undefined>, ctx: ResolveContext): SshSettings {
  const configFile = sshConfigFileOf(layers, ctx);
  const config = configFile === undefined ? undefined : ctx.sshConfigs?.get(configFile);
  const own = fromSshConfig(config, alias, ctx);
  const settings: SshSettings = resolveTarget(alias, layers, ctx, own);
  // `bastion: null` at a nearer level turns off one set further up, and a ProxyJump too.
  const bastionLevel = layers.find((l) => l?.bastion !== undefined);
  if (bastionLevel?.bastion) settings.bastion = resolveBastion(bastionLevel.bastion, layers, ctx);
  else if (bastionLevel === undefined && own.proxyJump) {
    const jump = own.proxyJump;
    const jumpOwn = fromSshConfig(config, jump.host, ctx);
    if (jumpOwn.proxyJump)
      throw new InputError(
        `ProxyJump ${jump.host} itself has a ProxyJump: more than one jump host is not supported`,
        { file: jump.file, line: jump.line },
        'reach the masters through one bastion',
      );
    const spec: RawBastion = compact({ address: jump.host, user: jump.user, port: jump.port });
    settings.bastion = resolveBastion(spec, layers, ctx, jumpOwn);
  }
  if (configFile !== undefined && config) {
    settings.sshConfigFile = configFile;
    if (settings.bastion) settings.bastion.sshConfigFile = configFile;
  }
  return settings;
}

/**
 * A bastion's unset fields come from the target's levels, except its port (22), and never the
 * target's `passwordEnv` (a bastion must not be sent the target's password). A bastion with its own
 * `identityFile` only uses its own `passphraseEnv`. What the SSH config says of the bastion's own
 * name comes after what the inventory (or the ProxyJump) says of the bastion itself.
 */
function resolveBastion(
  bastion: RawBastion,
  layers: Array<RawSsh | undefined>,
  ctx: ResolveContext,
  fromConfig: FromConfig = {},
): SshTarget {
  const withheld = new Set<string>([
    'port',
    'passwordEnv',
    'bastion',
    'configFile',
    ...(bastion.identityFile !== undefined || fromConfig.identityFile !== undefined ? ['passphraseEnv'] : []),
  ]);
  const inherited = layers.map((l) =>
    l ? (Object.fromEntries(Object.entries(l).filter(([k]) => !withheld.has(k))) as RawSsh) : undefined,
  );
  return resolveTarget(bastion.address, [bastion], ctx, fromConfig, inherited);
}

/**
 * Nearest first: the inventory's levels, then the SSH config's entry for the alias, then `below`
 * (a bastion's inherited levels), then the built-in defaults.
 */
function resolveTarget(
  alias: string,
  layers: Array<RawSsh | RawBastion | undefined>,
  ctx: ResolveContext,
  fromConfig: FromConfig = {},
  below: Array<RawSsh | RawBastion | undefined> = [],
): SshTarget {
  const local = (p: string) => expandLocalPath(p, ctx.baseDir, ctx.home);
  const pick = <K extends 'user' | 'port'>(key: K) => nearest(layers, key) ?? fromConfig[key] ?? nearest(below, key);
  const all = [...layers, ...below];
  const identityFile = nearest(layers, 'identityFile');
  const knownHostsFiles = nearest(layers, 'knownHostsFiles');
  const agent = nearest(all, 'agent');
  return compact({
    address: fromConfig.address ?? alias,
    ...(fromConfig.address !== undefined && fromConfig.address !== alias ? { alias } : {}),
    port: pick('port') ?? BUILT_IN.port,
    user: pick('user') ?? BUILT_IN.user,
    identityFile:
      identityFile !== undefined
        ? local(identityFile)
        : (fromConfig.identityFile ?? mapDefined(nearest(below, 'identityFile'), local)),
    agentSocket:
      agent === true ? (ctx.env ?? process.env).SSH_AUTH_SOCK : typeof agent === 'string' ? local(agent) : undefined,
    passwordEnv: nearest(all, 'passwordEnv'),
    passphraseEnv: nearest(all, 'passphraseEnv'),
    knownHostsFiles:
      knownHostsFiles !== undefined
        ? knownHostsFiles.map(local)
        : (fromConfig.knownHostsFiles ?? (nearest(below, 'knownHostsFiles') ?? BUILT_IN.knownHostsFiles).map(local)),
    connectTimeoutMs: nearest(all, 'connectTimeoutMs') ?? BUILT_IN.connectTimeoutMs,
  });
}

const mapDefined = <T, U>(value: T | undefined, f: (v: T) => U): U | undefined =>
  value === undefined ? undefined : f(value);

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
