// TKEStack objects of a lab global cluster, read with the real kubectl inside a master.
import type { Lab } from './lab.js';

export interface ConfigMap {
  metadata: { resourceVersion: string };
  data: Record<string, string>;
}
export interface Pod {
  name: string;
  app: string;
  phase: string;
  created: string;
  deleting: boolean;
}
export interface TaskReport {
  host: string;
  module: string;
  status: string;
  message: string;
}

export async function kubectlJson<T>(lab: Lab, node: string, args: string[]): Promise<T> {
  const res = await lab.exec(node, [
    'kubectl',
    '--kubeconfig',
    '/etc/kubernetes/admin.conf',
    '--cache-dir',
    '/tmp/e2e-kubectl-cache',
    ...args,
    '-o',
    'json',
  ]);
  if (res.code !== 0) throw new Error(`${node}: kubectl ${args.join(' ')}: ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}
export const certsCm = (lab: Lab, node: string): Promise<ConfigMap> =>
  kubectlJson<ConfigMap>(lab, node, ['-n', 'tke', 'get', 'cm', 'certs']);

export async function tkePods(lab: Lab, node: string): Promise<Pod[]> {
  const list = await kubectlJson<{
    items: {
      metadata: {
        name: string;
        labels?: Record<string, string>;
        creationTimestamp: string;
        deletionTimestamp?: string;
      };
      status?: { phase?: string };
    }[];
  }>(lab, node, ['-n', 'tke', 'get', 'pods']);
  return list.items.map((p) => ({
    name: p.metadata.name,
    app: p.metadata.labels?.app ?? '',
    phase: p.status?.phase ?? '',
    created: p.metadata.creationTimestamp,
    deleting: Boolean(p.metadata.deletionTimestamp),
  }));
}

export async function readNode(lab: Lab, node: string, file: string): Promise<string> {
  const res = await lab.exec(node, ['cat', file]);
  if (res.code !== 0) throw new Error(`${node}: cat ${file}: ${res.stderr}`);
  return res.stdout;
}

/** Deployments whose pods are not all Running (or are being replaced) at one moment. */
export function disturbed(pods: Pod[], replicasByApp: Map<string, number>): string[] {
  return [...replicasByApp]
    .filter(([app, n]) => {
      const mine = pods.filter((p) => p.app === app);
      return mine.length !== n || mine.some((p) => p.deleting || p.phase !== 'Running');
    })
    .map(([app]) => app);
}
