// Loads a topology YAML, validates it and expands it into clusters with node names.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { realKubernetesVersion } from '../infra/real-binaries.js';
import { builtinDefaults, topologySchema } from './schema.js';

export interface TopologyCluster {
  name: string;
  type: 'global' | 'standalone';
  kubernetesVersion: string;
  runtime: 'docker' | 'containerd';
  masters: string[];
  workers: string[];
  certAgeDays: number;
  kubeletConfEmbedded: boolean;
  controlPlaneEndpoint: string;
  /** Installed on the nodes; null = none. */
  kubeadmVersion: string | null;
  tkeCertsShape: '1.2' | '1.3' | null;
  light: boolean;
  components: 'simulated' | 'real';
  systemd: 'simulated' | 'real';
  crictlOnDocker: boolean;
  hostEtcdctl: boolean;
  etcdGateway: 'v3' | 'v3beta';
  node: 'simulated' | 'real';
  tkeTokenKubeconfig: boolean;
  tkePlatform: boolean;
}

export interface TopologyNode {
  name: string;
  cluster: string;
  role: 'master' | 'worker';
  /** Position in topology order (0-based): the node's address is 10.231.S.(10 + index). */
  index: number;
}

export interface Topology {
  file: string;
  clusters: TopologyCluster[];
  nodes: TopologyNode[];
}

/** Nodes take 10.231.S.10 .. 10.231.S.254. */
export const maxNodes = 245;

export class TopologyError extends Error {}

export function parseTopology(text: string, file: string): Topology {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw new TopologyError(`${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = topologySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new TopologyError(`${file}: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid topology'}`);
  }
  const clusters: TopologyCluster[] = [];
  const nodes: TopologyNode[] = [];
  const seen = new Set<string>();
  for (const c of parsed.data.clusters) {
    const s = { ...builtinDefaults, ...parsed.data.defaults, ...c };
    if (seen.has(c.name)) throw new TopologyError(`${file}: clusters: duplicate cluster name ${c.name}`);
    seen.add(c.name);
    if (s.components === 'real' && s.kubernetesVersion !== realKubernetesVersion()) {
      throw new TopologyError(
        `${file}: clusters.${c.name}: components: real exists only for kubernetesVersion ${realKubernetesVersion()} (the version built from Debian's source), not ${s.kubernetesVersion}`,
      );
    }
    if (s.components === 'real' && s.light)
      throw new TopologyError(
        `${file}: clusters.${c.name}: components: real runs components, a light cluster runs none`,
      );
    if (s.node === 'real' && (s.components !== 'real' || s.runtime !== 'docker' || s.workers > 0))
      throw new TopologyError(
        `${file}: clusters.${c.name}: node: real needs components: real, runtime: docker and no workers (the real kubelet runs the real control plane in docker)`,
      );
    const masters = Array.from({ length: s.masters }, (_, i) => `${c.name}-m${i + 1}`);
    const workers = Array.from({ length: s.workers }, (_, i) => `${c.name}-w${i + 1}`);
    for (const n of [...masters, ...workers]) {
      if (seen.has(n)) throw new TopologyError(`${file}: node name ${n} is used twice`);
      seen.add(n);
      nodes.push({
        name: n,
        cluster: c.name,
        role: n.startsWith(`${c.name}-m`) ? 'master' : 'worker',
        index: nodes.length,
      });
    }
    clusters.push({
      name: c.name,
      type: s.type,
      kubernetesVersion: s.kubernetesVersion,
      runtime: s.runtime,
      masters,
      workers,
      certAgeDays: s.certAgeDays,
      kubeletConfEmbedded: s.kubeletConfEmbedded,
      controlPlaneEndpoint: s.controlPlaneEndpoint,
      kubeadmVersion:
        s.kubeadmVersion === 'none' ? null : s.kubeadmVersion === 'same' ? s.kubernetesVersion : s.kubeadmVersion,
      tkeCertsShape: s.type === 'global' ? s.tkeCertsShape : null,
      light: s.light,
      components: s.components,
      // The real kubelet runs under the lab's systemd (Restart=always, RestartSec=10).
      systemd: s.node === 'real' ? 'real' : s.systemd,
      crictlOnDocker: s.crictlOnDocker,
      hostEtcdctl: s.hostEtcdctl,
      etcdGateway: s.etcdGateway,
      node: s.node,
      tkeTokenKubeconfig: s.tkeTokenKubeconfig,
      tkePlatform: s.type === 'global' && s.tkePlatform,
    });
  }
  if (nodes.length > maxNodes)
    throw new TopologyError(`${file}: ${nodes.length} nodes; a lab holds at most ${maxNodes}`);
  return { file, clusters, nodes };
}

export function loadTopology(file: string): Topology {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    throw new TopologyError(`${abs}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  return parseTopology(text, abs);
}
