// The labs the bench brings up, written as topology files into its work folder (the lab's own
// topologies stay as they are): light fleets of any size, the real-components renewal cluster and a
// fleet of small clusters to renew at once. The lab's format: test/lab/topologies/*.yaml.
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './support/lab.js';

/** Versions and runtimes cycled over a light fleet's clusters, as in light100.yaml. */
const LIGHT_SHAPES = [
  ['1.16.9', 'docker'],
  ['1.18.3', 'containerd'],
  ['1.19.7', 'docker'],
  ['1.20.6', 'containerd'],
  ['1.21.4', 'docker'],
  ['1.31.4', 'containerd'],
] as const;

/** Light nodes in clusters of 3 masters and 7 workers: enough clusters for `nodes` (a multiple of 10). */
export function lightFleetTopology(nodes: number): string {
  const clusters = Math.ceil(nodes / 10);
  const lines = [`# ${clusters * 10} light nodes (written by the bench)`, 'defaults:', '  light: true', 'clusters:'];
  for (let i = 0; i < clusters; i++) {
    const [version, runtime] = LIGHT_SHAPES[i % LIGHT_SHAPES.length]!;
    const name = `fleet${String(i).padStart(2, '0')}`;
    const type = i === 0 ? 'global' : 'standalone';
    lines.push(
      `  - { name: ${name}, type: ${type}, kubernetesVersion: "${version}", runtime: ${runtime}, masters: 3, workers: 7 }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `clusters` clusters of 3 masters (simulated components, real etcd), renewed at once. */
export function renewalFleetTopology(clusters: number): string {
  const lines = [`# ${clusters} clusters of 3 masters (written by the bench)`, 'clusters:'];
  for (let i = 0; i < clusters; i++)
    lines.push(
      `  - { name: rfleet${String(i).padStart(2, '0')}, type: standalone, kubernetesVersion: "1.18.3", runtime: docker, masters: 3 }`,
    );
  return `${lines.join('\n')}\n`;
}

/** One 3-master global cluster of the real Kubernetes 1.20.2 components (as test/lab/topologies/real.yaml). */
export const REAL_RENEWAL_TOPOLOGY = `# 3 masters of the real 1.20.2 components (written by the bench)
defaults:
  certAgeDays: 350
  kubernetesVersion: "1.20.2"
  components: real
  runtime: docker
  type: global
clusters:
  - name: real
    masters: 3
    tkeCertsShape: "1.3"
`;

/**
 * Whether the lab's real Kubernetes build is in its cache (test/lab/real/build-kubernetes.sh makes
 * it; the lab looks in $KCR_K8S_CACHE or /var/cache/kube-cert-renew, keyed by kubernetes.env's
 * SRC_VERSION). Read here from the same files: the bench drives the lab only through its CLI.
 */
export function realComponentsCached(): boolean {
  const envFile = path.join(repoRoot, 'test/lab/real/kubernetes.env');
  if (!existsSync(envFile)) return false;
  const version = /^SRC_VERSION=("?)(.*)\1$/m.exec(readFileSync(envFile, 'utf8'))?.[2];
  const root = process.env.KCR_K8S_CACHE ?? '/var/cache/kube-cert-renew';
  return version !== undefined && existsSync(path.join(root, 'kubernetes', version, 'COMPLETE'));
}

export async function writeTopology(workDir: string, name: string, text: string): Promise<string> {
  const file = path.join(workDir, `${name}.yaml`);
  await writeFile(file, text);
  return file;
}
