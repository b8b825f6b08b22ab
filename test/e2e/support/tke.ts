// TKEStack objects of a lab global cluster, read with the real kubectl inside a master.
import { expect } from 'vitest';
import type { Lab } from './lab.js';
import { fileSerial, servedSerial } from './node-files.js';

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

/** When the controller-manager's and the scheduler's leader leases in kube-system were last renewed (ms). */
export async function leaseRenewals(lab: Lab, node: string): Promise<{ kcm: number; scheduler: number }> {
  const renewed = async (name: string): Promise<number> =>
    Date.parse(
      (await kubectlJson<{ spec: { renewTime: string } }>(lab, node, ['-n', 'kube-system', 'get', 'lease', name])).spec
        .renewTime,
    );
  return { kcm: await renewed('kube-controller-manager'), scheduler: await renewed('kube-scheduler') };
}

/**
 * The renewed credentials work against the real control plane: every master's API server answers
 * /readyz to the renewed admin.conf, and the controller-manager and scheduler (restarted on renewed
 * kubeconfigs) keep renewing their leader leases.
 */
export async function expectRenewedCredentialsWork(lab: Lab, masters: string[], label: string): Promise<void> {
  for (const node of masters) {
    const res = await lab.exec(node, [
      'kubectl',
      '--kubeconfig',
      '/etc/kubernetes/admin.conf',
      'get',
      '--raw',
      '/readyz',
    ]);
    expect(res.stdout.trim(), `${node}: ${res.stderr}`).toBe('ok');
  }
  const first = masters[0]!;
  const l0 = await leaseRenewals(lab, first);
  await new Promise((r) => setTimeout(r, 6000));
  const l1 = await leaseRenewals(lab, first);
  expect(l1.kcm, `${label} controller-manager lease renewed`).toBeGreaterThan(l0.kcm);
  expect(l1.scheduler, `${label} scheduler lease renewed`).toBeGreaterThan(l0.scheduler);
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

/** A renewed master: :6443 and :2379 serve the files on disk, and apiserver.crt has a year ahead. */
export async function expectServesRenewedFiles(lab: Lab, node: string): Promise<void> {
  expect(await servedSerial(lab, node, 6443), `${node} :6443`).toBe(
    await fileSerial(lab, node, '/etc/kubernetes/pki/apiserver.crt'),
  );
  expect(await servedSerial(lab, node, 2379), `${node} :2379`).toBe(
    await fileSerial(lab, node, '/etc/kubernetes/pki/etcd/server.crt'),
  );
  const end = await lab.exec(node, [
    'openssl',
    'x509',
    '-noout',
    '-checkend',
    String(360 * 86400),
    '-in',
    '/etc/kubernetes/pki/apiserver.crt',
  ]);
  expect(end.code, `${node}: apiserver.crt valid for another 360 days`).toBe(0);
}
