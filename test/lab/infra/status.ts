// `lab status`: what runs on each node and whether it is healthy, from the node files and live probes.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { netnsName } from './names.js';
import { tcpOpen } from './node-procs.js';
import { pidAlive, run } from './proc.js';
import { rootfsOf, type LabNodeState, type LabState } from './state.js';
import { realNodeContainers } from './real-node.js';

export const componentNames = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type ComponentName = (typeof componentNames)[number];

export interface ComponentStatus {
  running: boolean;
  pid: number | null;
  startedAt: string | null;
  certSerial: string | null;
  healthy: boolean;
}

export interface NodeStatus {
  name: string;
  address: string;
  role: 'master' | 'worker';
  light: boolean;
  sshd: boolean;
  kubelet: { running: boolean; state: string; pid: number | null };
  /** components: real only: whether the kubelet has registered its Node and mirror pods; null elsewhere. */
  registered: boolean | null;
  components: Partial<Record<ComponentName, ComponentStatus>>;
}

export interface ClusterStatus {
  name: string;
  type: string;
  version: string;
  runtime: string;
  etcd: { members: { name: string; healthy: boolean }[]; healthy: number; total: number; quorum: boolean };
  nodes: NodeStatus[];
}

export interface LabStatus {
  dir: string;
  slot: number;
  clusters: ClusterStatus[];
}

interface ContainerRecord {
  name: string;
  pid: number;
  state: string;
  createdAt?: string;
  startedAt?: string;
  loadedCertSerial?: string;
}

const readJson = <T>(file: string): T | null => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
};
const readText = (file: string): string | null => {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
};

/** The current container of each component: a running one if any, else the most recent. */
function currentContainers(rootfs: string): Map<string, ContainerRecord> {
  const dir = path.join(rootfs, 'var/lib/kcrlab/runtime/containers');
  const best = new Map<string, ContainerRecord>();
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return best;
  }
  const key = (c: ContainerRecord): string =>
    `${c.state === 'running' && pidAlive(c.pid) ? 1 : 0}${c.startedAt ?? c.createdAt ?? ''}`;
  for (const f of files) {
    const c = readJson<ContainerRecord>(path.join(dir, f));
    if (!c?.name) continue;
    const prev = best.get(c.name);
    if (!prev || key(c) > key(prev)) best.set(c.name, c);
  }
  return best;
}

function httpsOk(url: string, ca: Buffer | null, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(
      url,
      { ...(ca ? { ca } : { rejectUnauthorized: false }), checkServerIdentity: () => undefined, timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const readFileOrNull = (file: string): Buffer | null => {
  try {
    return fs.readFileSync(file);
  } catch {
    return null;
  }
};

// Bounds on a probe's answer: generous, because on a loaded machine (2 shared cores) a healthy
// server can take seconds to answer, and a probe timeout would be reported as an outage. A server
// that is down refuses at once and one that is not ready answers 500, so this hides no outage.
const PROBE_TIMEOUT_MS = 5000;

export async function apiserverReady(rootfs: string, address: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return httpsOk(
    `https://${address}:6443/readyz`,
    readFileOrNull(path.join(rootfs, 'etc/kubernetes/pki/ca.crt')),
    timeoutMs,
  );
}

export async function etcdHealthy(rootfs: string, address: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  const pki = path.join(rootfs, 'etc/kubernetes/pki/etcd');
  const r = await run(
    'etcdctl',
    [
      `--endpoints=https://${address}:2379`,
      `--cacert=${pki}/ca.crt`,
      `--cert=${pki}/healthcheck-client.crt`,
      `--key=${pki}/healthcheck-client.key`,
      `--dial-timeout=${timeoutMs}ms`,
      `--command-timeout=${timeoutMs}ms`,
      'endpoint',
      'health',
    ],
    { timeoutMs: timeoutMs + 2000, env: { ...process.env, ETCDCTL_API: '3' } },
  );
  return r.code === 0;
}

const curl = ['/usr/bin/curl', '/bin/curl'].find((p) => fs.existsSync(p));

/** controller-manager (10257) and scheduler (10259) `/healthz` on 127.0.0.1 inside the node's netns. */
async function localHealth(slot: number, node: string, labDist: string): Promise<Record<string, boolean>> {
  const ports = ['10257', '10259'];
  const enter = [`--net=/var/run/netns/${netnsName(slot, node)}`, '--'];
  if (curl) {
    // curl starts in milliseconds; a Node probe takes far longer on a loaded machine.
    const urls = ports.map((p) => `https://127.0.0.1:${p}/healthz`);
    const r = await run(
      'nsenter',
      [
        ...enter,
        curl,
        '-sk',
        '--max-time',
        '1.5',
        '-w',
        '%{http_code}\\n',
        '-o',
        '/dev/null',
        '-o',
        '/dev/null',
        ...urls,
      ],
      { timeoutMs: 5000 },
    );
    const codes = r.stdout.trim().split('\n');
    return Object.fromEntries(ports.map((p, i) => [p, codes[i] === '200']));
  }
  const r = await run('nsenter', [...enter, process.execPath, path.join(labDist, 'infra/probe-local.js'), ...ports], {
    timeoutMs: 5000,
  });
  try {
    return r.code === 0 ? (JSON.parse(r.stdout) as Record<string, boolean>) : {};
  } catch {
    return {};
  }
}

async function nodeStatus(state: LabState, n: LabNodeState, labDist: string): Promise<NodeStatus> {
  const rootfs = rootfsOf(state.dir, n.name);
  const sshdPromise = pidAlive(n.sshdPid) ? tcpOpen(n.address, 22, 1000) : Promise.resolve(false);
  const kubeletPidText = readText(path.join(rootfs, 'var/lib/kcrlab/runtime/kubelet.pid'));
  const kubeletPid = kubeletPidText && /^\d+$/.test(kubeletPidText) ? Number(kubeletPidText) : null;
  const kubeletRunning = pidAlive(kubeletPid);
  const kubeletState = readText(path.join(rootfs, 'var/lib/kcrlab/runtime/kubelet.state')) ?? 'inactive';
  const config = readJson<{ components?: string; node?: string }>(path.join(rootfs, 'var/lib/kcrlab/node.json'));
  const real = config?.components === 'real';
  const status: NodeStatus = {
    name: n.name,
    address: n.address,
    role: n.role,
    light: n.light,
    sshd: false,
    kubelet: {
      running: kubeletRunning,
      state: kubeletRunning ? kubeletState : kubeletState === 'failed' ? 'failed' : 'inactive',
      pid: kubeletRunning ? kubeletPid : null,
    },
    registered: real ? fs.existsSync(path.join(rootfs, 'var/lib/kcrlab/runtime/node-registered')) : null,
    components: {},
  };
  if (n.role === 'master' && !n.light) {
    // node: real: the real kubelet's containers, as its dockerd reports them.
    const containers: Map<string, ContainerRecord> =
      config?.node === 'real' ? await realNodeContainers(state.slot, n.name) : currentContainers(rootfs);
    const [etcdOk, apiOk, local] = await Promise.all([
      etcdHealthy(rootfs, n.address),
      apiserverReady(rootfs, n.address),
      localHealth(state.slot, n.name, labDist),
    ]);
    const health: Record<ComponentName, boolean> = {
      etcd: etcdOk,
      'kube-apiserver': apiOk,
      'kube-controller-manager': local['10257'] === true,
      'kube-scheduler': local['10259'] === true,
    };
    for (const name of componentNames) {
      const c = containers.get(name);
      const running = !!c && c.state === 'running' && pidAlive(c.pid);
      status.components[name] = {
        running,
        pid: running && c ? c.pid : null,
        startedAt: c?.startedAt ?? null,
        certSerial: c?.loadedCertSerial ?? null,
        healthy: health[name],
      };
    }
  }
  status.sshd = await sshdPromise;
  return status;
}

export async function labStatus(state: LabState, labDist: string): Promise<LabStatus> {
  const nodes = await Promise.all(state.nodes.map((n) => nodeStatus(state, n, labDist)));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const clusters = state.clusters.map((c): ClusterStatus => {
    const members = c.light
      ? []
      : c.masters.map((m) => ({ name: m, healthy: byName.get(m)?.components.etcd?.healthy === true }));
    const healthy = members.filter((m) => m.healthy).length;
    return {
      name: c.name,
      type: c.type,
      version: c.kubernetesVersion,
      runtime: c.runtime,
      etcd: { members, healthy, total: members.length, quorum: members.length > 0 && healthy > members.length / 2 },
      nodes: [...c.masters, ...c.workers].map((n) => byName.get(n)).filter((n): n is NodeStatus => !!n),
    };
  });
  return { dir: state.dir, slot: state.slot, clusters };
}

/**
 * What keeps the lab from being healthy, or [] when it is: etcd quorum, and on every node that is not
 * light an active kubelet and every control-plane component running and healthy.
 */
export function unhealthyReasons(status: LabStatus): string[] {
  const reasons: string[] = [];
  for (const c of status.clusters) {
    if (c.etcd.total > 0 && !c.etcd.quorum) {
      reasons.push(
        `${c.name}: etcd has no quorum (${c.etcd.healthy}/${c.etcd.total} healthy; not: ${c.etcd.members
          .filter((m) => !m.healthy)
          .map((m) => m.name)
          .join(', ')})`,
      );
    }
    for (const n of c.nodes) {
      if (n.light) continue;
      if (!n.kubelet.running) reasons.push(`${n.name}: kubelet ${n.kubelet.state}`);
      if (n.registered === false) reasons.push(`${n.name}: kubelet has not registered its Node and mirror pods yet`);
      for (const name of componentNames) {
        const comp = n.components[name];
        if (comp && !comp.healthy)
          reasons.push(
            `${n.name}: ${name} ${comp.running ? `running (pid ${comp.pid}) but not ${name === 'kube-apiserver' ? 'ready' : 'healthy'}` : 'not running'}`,
          );
      }
    }
  }
  return reasons;
}

export function formatStatus(status: LabStatus): string {
  const yes = (b: boolean | undefined): string => (b === undefined ? '-' : b ? 'ok' : 'DOWN');
  const comp = (c: ComponentStatus | undefined): string =>
    c ? (c.running ? (c.healthy ? 'ok' : 'unhealthy') : 'stopped') : '-';
  const rows = [['NODE', 'ADDRESS', 'ROLE', 'SSHD', 'KUBELET', 'ETCD', 'APISERVER', 'CTRL-MGR', 'SCHEDULER']];
  const lines: string[] = [`lab ${status.dir} (slot ${status.slot})`];
  for (const c of status.clusters) {
    for (const n of c.nodes) {
      rows.push([
        n.name,
        n.address,
        n.role + (n.light ? ' (light)' : ''),
        yes(n.sshd),
        n.light ? '-' : n.kubelet.state,
        comp(n.components.etcd),
        comp(n.components['kube-apiserver']),
        comp(n.components['kube-controller-manager']),
        comp(n.components['kube-scheduler']),
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows)
    lines.push(
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  for (const c of status.clusters) {
    const etcd = c.etcd.total
      ? `etcd ${c.etcd.healthy}/${c.etcd.total} healthy, quorum ${c.etcd.quorum ? 'yes' : 'NO'}`
      : 'light (no processes)';
    lines.push(`cluster ${c.name} (${c.type}, ${c.version}, ${c.runtime}): ${etcd}`);
  }
  return `${lines.join('\n')}\n`;
}
