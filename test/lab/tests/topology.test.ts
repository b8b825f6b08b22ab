// Topology files: defaults, node naming, the shipped examples, and one-line errors for bad input.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology, parseTopology, TopologyError } from '../topology/load.js';
import { topologies } from './infra-helpers.js';

describe('topology loader', () => {
  it('expands the default topology with the documented defaults', () => {
    const t = loadTopology(path.join(topologies, 'default.yaml'));
    expect(t.nodes.map((n) => [n.name, n.role, n.index])).toEqual([
      ['global-m1', 'master', 0],
      ['global-m2', 'master', 1],
      ['global-m3', 'master', 2],
      ['global-w1', 'worker', 3],
      ['standalone-m1', 'master', 4],
    ]);
    expect(t.clusters[0]).toMatchObject({
      type: 'global',
      kubernetesVersion: '1.18.3',
      runtime: 'docker',
      certAgeDays: 30,
      kubeletConfEmbedded: false,
      controlPlaneEndpoint: 'api.tke.com:6443',
      kubeadmVersion: '1.18.3',
      tkeCertsShape: '1.3',
      light: false,
    });
    expect(t.clusters[1]).toMatchObject({
      type: 'standalone',
      kubernetesVersion: '1.21.4',
      runtime: 'containerd',
      tkeCertsShape: null,
    });
  });

  it('loads every shipped example; light100 has 100 light nodes', () => {
    for (const f of fs.readdirSync(topologies).filter((x) => x.endsWith('.yaml')))
      expect(() => loadTopology(path.join(topologies, f))).not.toThrow();
    const light = loadTopology(path.join(topologies, 'light100.yaml'));
    expect(light.nodes).toHaveLength(100);
    expect(light.clusters.every((c) => c.light)).toBe(true);
  });

  it('fidelity options: defaults unchanged (simulated systemd, no crictl on docker, etcdctl on the host); set per cluster or in defaults', () => {
    const t = parseTopology(
      'defaults: {hostEtcdctl: false}\nclusters:\n  - {name: a}\n  - {name: b, systemd: real, crictlOnDocker: true, hostEtcdctl: true}\n',
      'x.yaml',
    );
    expect(t.clusters.map((c) => [c.systemd, c.crictlOnDocker, c.hostEtcdctl])).toEqual([
      ['simulated', false, false],
      ['real', true, true],
    ]);
    expect(parseTopology('clusters: [{name: a}]', 'x.yaml').clusters[0]).toMatchObject({
      systemd: 'simulated',
      crictlOnDocker: false,
      hostEtcdctl: true,
    });
    expect(() => parseTopology('clusters: [{name: a, systemd: maybe}]', 'x.yaml')).toThrow(TopologyError);
  });

  it('node: real is simulated by default, implies systemd: real, and only with components: real, docker and no workers', () => {
    expect(parseTopology('clusters: [{name: a}]', 'x.yaml').clusters[0]?.node).toBe('simulated');
    const real = 'name: a, kubernetesVersion: "1.20.2", components: real, runtime: docker, node: real';
    expect(parseTopology(`clusters: [{${real}}]`, 'x.yaml').clusters[0]).toMatchObject({
      node: 'real',
      systemd: 'real',
    });
    for (const bad of [
      'name: a, kubernetesVersion: "1.20.2", runtime: docker, node: real',
      'name: a, kubernetesVersion: "1.20.2", components: real, runtime: containerd, node: real',
      `${real}, workers: 1`,
    ])
      expect(() => parseTopology(`clusters: [{${bad}}]`, 'x.yaml'), bad).toThrow(/node: real needs components: real/);
  });

  it('maps kubeadmVersion same/none/x.y.z', () => {
    const t = parseTopology(
      'clusters:\n  - { name: a, kubeadmVersion: none }\n  - { name: b, kubeadmVersion: "1.19.7" }\n  - { name: c }\n',
      't.yaml',
    );
    expect(t.clusters.map((c) => c.kubeadmVersion)).toEqual([null, '1.19.7', '1.21.4']);
  });

  it.each([
    ['clusters: []\n', /clusters/],
    ['clusters:\n  - { name: a, bogus: 1 }\n', /clusters\.0/],
    ['clusters:\n  - { name: A_b }\n', /clusters\.0\.name/],
    ['clusters:\n  - { name: a, kubernetesVersion: v1.18 }\n', /kubernetesVersion/],
    ['clusters:\n  - { name: a }\n  - { name: a }\n', /duplicate cluster name a/],
    ['clusters:\n  - { name: a, masters: 9, workers: 240 }\n', /at most 245/],
    ['clusters: [\n', /t\.yaml/],
  ])('rejects %j with a one-line error', (text, message) => {
    let err: unknown;
    try {
      parseTopology(text, 't.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TopologyError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });
});
