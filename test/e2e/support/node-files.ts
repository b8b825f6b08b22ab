// Reading a lab node's files the way an operator would, with the real openssl inside the node.
import type { Lab, LabStatus } from './lab.js';

export function normSerial(s: string): string {
  return s
    .trim()
    .replace(/^serial=/i, '')
    .toLowerCase()
    .replace(/^0+(?=.)/, '');
}

async function sh(lab: Lab, node: string, script: string, ...args: string[]): Promise<string> {
  const res = await lab.exec(node, ['sh', '-c', script, 'sh', ...args]);
  if (res.code !== 0) throw new Error(`${node}: ${script} failed: ${res.stderr}`);
  return res.stdout;
}

/** The serial openssl prints at the end of `script` (its $1 is `arg`), normalised. */
async function serialFrom(lab: Lab, node: string, script: string, arg: string): Promise<string> {
  return normSerial(await sh(lab, node, script, arg));
}
const FILE_SERIAL = 'openssl x509 -noout -serial -in "$1"';
const KUBECONFIG_SERIAL = 'sed -n "s/^ *client-certificate-data: *//p" "$1" | base64 -d | openssl x509 -noout -serial';
const SERVED_SERIAL = 'openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null | openssl x509 -noout -serial';

/** Serial of a certificate file on the node. */
export const fileSerial = (lab: Lab, node: string, file: string): Promise<string> =>
  serialFrom(lab, node, FILE_SERIAL, file);

/** Serial of the client certificate embedded in a kubeconfig on the node. */
export const kubeconfigSerial = (lab: Lab, node: string, file: string): Promise<string> =>
  serialFrom(lab, node, KUBECONFIG_SERIAL, file);

/** Serial of the certificate a server presents on a port of the node (real openssl, no client certificate). */
export const servedSerial = (lab: Lab, node: string, port: number): Promise<string> =>
  serialFrom(lab, node, SERVED_SERIAL, String(port));

export async function fileEndDate(lab: Lab, node: string, file: string): Promise<Date> {
  const out = await sh(lab, node, 'openssl x509 -noout -enddate -in "$1"', file);
  return new Date(out.trim().replace(/^notAfter=/, ''));
}

/** SHA-256 of every file under the given folders (sorted lines `hash  path`). */
export async function treeHashes(lab: Lab, node: string, ...dirs: string[]): Promise<string> {
  return sh(lab, node, 'find "$@" -type f 2>/dev/null | LC_ALL=C sort | xargs -r sha256sum', ...dirs);
}

export async function sha256(lab: Lab, node: string, file: string): Promise<string> {
  return (await sh(lab, node, 'sha256sum "$1" | cut -d" " -f1', file)).trim();
}

/** The leaf certificates kubeadm renews, as /etc/kubernetes/pki/<name>.crt. */
export const PKI_LEAF_CERTS = [
  'apiserver',
  'apiserver-kubelet-client',
  'apiserver-etcd-client',
  'front-proxy-client',
  'etcd/server',
  'etcd/peer',
  'etcd/healthcheck-client',
];

/** Certificates each component must load, by component. */
export const COMPONENT_CERT: Record<string, { file: string; kubeconfig?: boolean }> = {
  etcd: { file: '/etc/kubernetes/pki/etcd/server.crt' },
  'kube-apiserver': { file: '/etc/kubernetes/pki/apiserver.crt' },
  'kube-controller-manager': { file: '/etc/kubernetes/controller-manager.conf', kubeconfig: true },
  'kube-scheduler': { file: '/etc/kubernetes/scheduler.conf', kubeconfig: true },
};

/** The serial each component should have loaded: what is on disk now. */
export async function diskSerials(lab: Lab, node: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [component, { file, kubeconfig }] of Object.entries(COMPONENT_CERT)) {
    out[component] = kubeconfig ? await kubeconfigSerial(lab, node, file) : await fileSerial(lab, node, file);
  }
  return out;
}

export function loadedSerials(status: LabStatus, node: string): Record<string, string> {
  const n = status.clusters.flatMap((c) => c.nodes).find((x) => x.name === node);
  if (!n) throw new Error(`node ${node} not in status`);
  return Object.fromEntries(Object.entries(n.components).map(([k, v]) => [k, normSerial(v.certSerial ?? '')]));
}

/** Invariants that must hold at every sampled moment of a rolling renewal. */
export function invariantViolations(samples: LabStatus[]): string[] {
  const bad: string[] = [];
  samples.forEach((s, i) => {
    for (const c of s.clusters) {
      if (c.etcd.total > 0 && !c.etcd.quorum)
        bad.push(`sample ${i}: ${c.name} lost etcd quorum (${c.etcd.healthy}/${c.etcd.total})`);
      const down = c.nodes.filter(
        (n) => n.role === 'master' && n.components['kube-apiserver'] && !n.components['kube-apiserver'].healthy,
      );
      if (down.length > 1)
        bad.push(
          `sample ${i}: ${c.name} had ${down.length} API servers unavailable (${down.map((n) => n.name).join(', ')})`,
        );
    }
  });
  return bad;
}
