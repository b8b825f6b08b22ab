// The TKEStack global cluster's view of its fleet (Cluster and Machine objects) turned into an
// inventory: pure, no I/O. Renewable are the clusters TKEStack built with kubeadm over SSH (the
// global cluster and Baremetal/Edge ones); the rest are listed in a comment with the reason.
// Masters keep TKEStack's order: machines[0] is where kubeadm init ran and the master whose
// apiserver.crt tke-platform-controller watches (docs/tkestack.md), so it is renewed first.
// No TKEStack-held secret is ever read here (tkestack-objects.ts drops them).
import { Document, isScalar, type Node } from 'yaml';
import { inventorySchema, isValidAddress, nameSchema } from './schema.js';
import type { TkeCluster, TkeMachine, TkeWorker } from './tkestack-objects.js';

/** How the written inventory authenticates: the operator's own key or agent, never TKEStack's. */
export interface ImportAuth {
  /** Absolute or inventory-relative path of the operator's private key. */
  identityFile?: string;
  agent?: boolean;
  knownHostsFiles?: string[];
}

export interface ImportOptions {
  auth: ImportAuth;
  includeWorkers: boolean;
  /** Where the objects were read from, for the header (e.g. `root@10.0.0.1:/root/.kube/config`). */
  source: string;
  now: Date;
}

export interface SkippedCluster {
  name: string;
  type: string;
  reason: string;
}

export interface ImportResult {
  /** The inventory, YAML with comments; undefined when no cluster is renewable. */
  text: string | undefined;
  renewable: { name: string; masters: number; workers: number }[];
  skipped: SkippedCluster[];
}

const RENEWABLE_TYPES = new Set(['Baremetal', 'Edge']);
/** Phases in which TKEStack is itself changing the cluster's machines or versions. */
const BUSY_PHASES = new Set(['Initializing', 'Upgrading', 'Upscaling', 'Downscaling', 'Terminating', 'Recovering']);
const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
const PLAIN_VERSION_RE = /^v?(\d+\.\d+\.\d+)(?:[-+].*)?$/;

/** Text from the API shown in a comment: one line, printable, bounded. */
function shown(text: string, max = 120): string {
  const one = text.replace(/\p{Cc}+/gu, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

interface HostPlan {
  name: string;
  address: string;
  ssh: Record<string, unknown>;
  become?: { enabled: true };
  comment: string;
}

/** Why a machine cannot be written as an inventory host, or its host entry. */
function hostOf(m: TkeMachine, name: string, label: string): HostPlan | string {
  if (!isValidAddress(m.ip)) return `${label} has no usable IP address`;
  const user = m.username || 'root';
  if (!USER_RE.test(user)) return `${label} has a user name the inventory cannot take`;
  const ssh: Record<string, unknown> = {};
  if (m.port && m.port !== 22) ssh.port = m.port;
  if (user !== 'root') ssh.user = user;
  if (m.proxy && m.proxy.type === 'SOCKS5')
    return `${label} is reached through a SOCKS5 proxy, which this tool cannot use`;
  if (m.proxy) {
    if (m.proxy.type !== 'SSHJumpServer' || !isValidAddress(m.proxy.ip))
      return `${label} has a proxy this tool cannot use (type ${shown(m.proxy.type, 20) || 'unset'})`;
    const bastion: Record<string, unknown> = { address: m.proxy.ip };
    if (m.proxy.port && m.proxy.port !== 22) bastion.port = m.proxy.port;
    if (m.proxy.username) {
      if (!USER_RE.test(m.proxy.username)) return `${label}'s jump host has a user name the inventory cannot take`;
      bastion.user = m.proxy.username;
    }
    ssh.bastion = bastion;
  }
  const auth = m.hasPrivateKey ? 'a private key' : m.hasPassword ? 'a password' : 'no stored credential';
  const notes = [`${m.ip}:${m.port || 22} as ${user}`, `TKEStack logs in with ${auth} (not copied)`];
  if (m.proxy) notes.push(`through jump host ${m.proxy.ip}`);
  // TKEStack runs every command through passwordless sudo for a non-root user (pkg/util/ssh).
  return {
    name,
    address: m.ip,
    ssh,
    ...(user !== 'root' ? { become: { enabled: true } } : {}),
    comment: `${label}: ${notes.join('; ')}`,
  };
}

interface ClusterPlan {
  entry: Record<string, unknown>;
  comment: string;
  hostComments: string[];
  workers: number;
}

function clusterSkipReason(c: TkeCluster): string | undefined {
  if (c.type === 'Imported')
    return 'TKEStack did not build it and holds no SSH access to its masters; its certificates belong to whoever built it';
  if (!RENEWABLE_TYPES.has(c.type) && c.name !== 'global')
    return `type ${shown(c.type, 30) || 'unset'}: not built by TKEStack's kubeadm providers (Baremetal, Edge)`;
  if (!nameSchema.safeParse(c.name).success) return 'its name cannot be an inventory cluster name';
  if (BUSY_PHASES.has(c.phase)) return `phase ${c.phase}: TKEStack is changing it; import again once it is Running`;
  if (c.scalingMachines > 0) return 'masters are being added (spec.scalingMachines); import again once it is Running';
  if (c.machines.length === 0) return 'no masters in spec.machines';
  return undefined;
}

function planCluster(c: TkeCluster, workers: TkeWorker[], includeWorkers: boolean): ClusterPlan | string {
  const skip = clusterSkipReason(c);
  if (skip) return skip;
  const masters: HostPlan[] = [];
  for (const [i, m] of c.machines.entries()) {
    const host = hostOf(m, `${c.name}-m${i + 1}`, `machines[${i}]`);
    if (typeof host === 'string') return host;
    if (i === 0) host.comment += '; kubeadm init ran here and TKEStack watches its apiserver.crt: renewed first';
    masters.push(host);
  }
  const workerHosts: HostPlan[] = [];
  if (includeWorkers) {
    for (const [i, w] of workers.entries()) {
      const host = hostOf(w, `${c.name}-w${i + 1}`, `Machine ${shown(w.name, 40)}`);
      if (typeof host === 'string') return host;
      if (w.phase && w.phase !== 'Running') host.comment += `; phase ${shown(w.phase, 20)}`;
      workerHosts.push(host);
    }
  }
  const version = PLAIN_VERSION_RE.exec(c.statusVersion || c.specVersion)?.[1];
  const entry: Record<string, unknown> = { name: c.name, type: c.name === 'global' ? 'global' : 'standalone' };
  if (version) entry.kubernetesVersion = version;
  if (c.containerRuntime === 'docker' || c.containerRuntime === 'containerd') entry.runtime = c.containerRuntime;
  entry.etcd = c.etcdExternalEndpoints ? 'external' : 'stacked';
  const strip = ({ comment: _comment, ssh, become, ...h }: HostPlan) => ({
    ...h,
    ...(Object.keys(ssh).length ? { ssh } : {}),
    ...(become ? { become } : {}),
  });
  entry.masters = masters.map(strip);
  if (workerHosts.length) entry.workers = workerHosts.map(strip);

  const about = [
    `${c.name}${c.displayName ? ` (${shown(c.displayName, 60)})` : ''}: TKEStack ${shown(c.type, 20)}`,
    `version ${shown(c.statusVersion || c.specVersion || 'unknown', 30)}${c.statusVersion && c.specVersion && c.statusVersion !== c.specVersion ? ` (spec says ${shown(c.specVersion, 30)})` : ''}`,
    c.etcdExternalEndpoints
      ? `external etcd (${shown(c.etcdExternalEndpoints.join(', '), 80)}): left alone`
      : 'etcd local on the masters',
  ];
  if (c.haVip) about.push(`HA VIP ${shown(c.haVip, 45)}`);
  if (!entry.runtime) about.push('runtime unset in TKEStack (its default is docker): detected on the nodes');
  const lines = [about.join(', ')];
  if (c.phase && c.phase !== 'Running') lines.push(`phase ${shown(c.phase, 20)}`);
  if (c.healthProblem)
    lines.push(`TKEStack's health check: ${shown(c.healthProblem)} (an x509 error here means expired certificates)`);
  return {
    entry,
    comment: lines.join('\n'),
    hostComments: [...masters, ...workerHosts].map((h) => h.comment),
    workers: workerHosts.length,
  };
}

const commentLines = (text: string): string =>
  text
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');

function headerComment(opts: ImportOptions, skipped: SkippedCluster[]): string {
  const authLine = opts.auth.identityFile
    ? `SSH: your key ${opts.auth.identityFile}${opts.auth.agent ? ' and your ssh-agent' : ''}.`
    : opts.auth.agent
      ? 'SSH: your ssh-agent.'
      : 'SSH: no key was given: set defaults.ssh.identityFile or agent, or passwordEnv per host.';
  const lines = [
    `Imported from the TKEStack global cluster (${shown(opts.source, 100)})`,
    `by \`renew inventory import\` at ${opts.now.toISOString()}.`,
    "Masters are in TKEStack's order (Cluster spec.machines): machines[0] first, as TKEStack watches it.",
    `${authLine} TKEStack's stored passwords and keys were not copied.`,
    'Host keys: TKEStack keeps none; unknown keys follow the usual rules (--accept-new-host-keys).',
  ];
  if (skipped.length) {
    lines.push('', 'Not renewable by this tool, so not listed below:');
    for (const s of skipped) lines.push(`  ${shown(s.name, 63)} (${shown(s.type, 20) || 'no type'}): ${s.reason}`);
  }
  return commentLines(lines.join('\n'));
}

export function importInventory(clusters: TkeCluster[], machines: TkeWorker[], opts: ImportOptions): ImportResult {
  // The global cluster first: the others are reached through it.
  const ordered = [...clusters].sort((a, b) => Number(b.name === 'global') - Number(a.name === 'global'));
  const plans: ClusterPlan[] = [];
  const skipped: SkippedCluster[] = [];
  const renewable: ImportResult['renewable'] = [];
  for (const c of ordered) {
    const own = machines.filter((m) => m.clusterName === c.name).sort((a, b) => a.name.localeCompare(b.name));
    const plan = planCluster(c, own, opts.includeWorkers);
    if (typeof plan === 'string') skipped.push({ name: c.name, type: c.type, reason: plan });
    else {
      plans.push(plan);
      renewable.push({ name: c.name, masters: c.machines.length, workers: plan.workers });
    }
  }
  if (plans.length === 0) return { text: undefined, renewable, skipped };

  const ssh: Record<string, unknown> = {};
  if (opts.auth.identityFile) ssh.identityFile = opts.auth.identityFile;
  if (opts.auth.agent) ssh.agent = true;
  if (opts.auth.knownHostsFiles?.length) ssh.knownHostsFiles = opts.auth.knownHostsFiles;
  const raw = {
    ...(Object.keys(ssh).length ? { defaults: { ssh } } : {}),
    clusters: plans.map((p) => p.entry),
  };
  // What we write must load: a converter bug is caught here, not by the operator.
  inventorySchema.parse(raw);
  const doc = new Document(raw);
  doc.commentBefore = headerComment(opts, skipped);
  plans.forEach((p, ci) => {
    (doc.getIn(['clusters', ci], true) as Node).commentBefore = commentLines(p.comment);
    // In quotes, as docs/inventory.md asks: 1.20 unquoted would be a number.
    const version = doc.getIn(['clusters', ci, 'kubernetesVersion'], true);
    if (isScalar(version)) version.type = 'QUOTE_DOUBLE';
    const hosts = [
      ...((p.entry.masters as unknown[]).map((_, i) => ['masters', i]) as [string, number][]),
      ...(((p.entry.workers as unknown[] | undefined) ?? []).map((_, i) => ['workers', i]) as [string, number][]),
    ];
    hosts.forEach(([list, i], hi) => {
      (doc.getIn(['clusters', ci, list, i], true) as Node).commentBefore = commentLines(p.hostComments[hi] ?? '');
    });
  });
  return { text: doc.toString({ lineWidth: 0 }), renewable, skipped };
}
