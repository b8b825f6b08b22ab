// The PKI and node files API (test/lab/CONTRACT.md): every file of every node of a cluster, laid
// out as kubeadm does (kubeadm-facts.md §3), plus the kubeadm shim.
import { DAY_MS, issueCert, type Issued } from './certs.js';
import {
  issueLeaf,
  leafValidity,
  makeCaSet,
  masterLeafRequests,
  type CaSet,
  type IssueContext,
} from './cluster-pki.js';
import { takeKey } from './keys.js';
import { KUBELET_CLIENT_CURRENT_PEM, renderKubeconfig, renderTokenKubeconfig } from './kubeconfig.js';
import { staticPodManifests } from './manifests.js';
import { seedObjects } from './seed.js';
import { PUBLIC_MODE, SECRET_MODE, type LabClusterSpec, type NodeFile } from './spec.js';
import { tkeCertsData } from './tke.js';
import { atLeast, parseKubeVersion, type KubeVersion } from './version.js';

export type { LabClusterSpec, NodeFile } from './spec.js';
export { warmKeyPool } from './keys.js';

/**
 * How many fresh keys buildClusterFiles(spec) takes (0 in light mode, which reuses pool keys).
 * `await warmKeyPool(keysNeeded(spec))` first makes the build several times faster on a multi-core host.
 */
export function keysNeeded(spec: LabClusterSpec): number {
  if (spec.light) return 0;
  const version = parseKubeVersion(spec.kubernetesVersion);
  const kubelet = spec.kubeletConfEmbedded ? 3 : 2;
  const perMaster = 7 + 3 + kubelet; // PKI leaves; admin, controller-manager, scheduler; kubelet
  const superAdmin = atLeast(version, 29) ? 1 : 0;
  const tke = spec.type === 'global' && spec.tkeCertsShape ? (spec.tkeCertsShape === '1.3' ? 3 : 2) : 0;
  return 4 + spec.masters.length * perMaster + superAdmin + tke + spec.workers.length * kubelet;
}

/** The kubeadm shim (a `#!/bin/sh` script) for a version; also what the mirror serves. `version -o short`
 *  is answered in sh (what the simulator prints), as fast as the real binary: the tool asks it on
 *  every node of a fleet check, and a Node start per node would dominate a 100-node check here. */
export function kubeadmShim(version: string, nodeBin: string, labDist: string): string {
  const v = parseKubeVersion(version).text;
  return `#!/bin/sh\n[ "$*" = "version -o short" ] && { echo v${v}; exit 0; }\nKCRLAB_KUBEADM_VERSION=${v} exec ${nodeBin} ${labDist}/node/kubeadm/main.js "$@"\n`;
}

interface NodeRef {
  name: string;
  address: string;
}

class FileList {
  readonly files: NodeFile[] = [];
  add(path: string, data: string, mode: number): void {
    this.files.push({ path, data, mode });
  }
  pair(base: string, issued: Issued): void {
    this.add(`${base}.crt`, issued.certPem, PUBLIC_MODE);
    this.add(`${base}.key`, issued.key.privatePem, SECRET_MODE);
  }
}

const PKI = 'etc/kubernetes/pki';

function caFiles(out: FileList, cas: CaSet): void {
  out.pair(`${PKI}/ca`, cas.ca);
  out.pair(`${PKI}/front-proxy-ca`, cas.frontProxyCa);
  out.pair(`${PKI}/etcd/ca`, cas.etcdCa);
  out.add(`${PKI}/sa.key`, cas.sa.privatePem, SECRET_MODE);
  out.add(`${PKI}/sa.pub`, cas.sa.publicPem, PUBLIC_MODE);
}

function clientKubeconfig(
  ctx: IssueContext,
  cas: CaSet,
  server: string,
  commonName: string,
  organizations: string[],
): string {
  const issued = issueLeaf(ctx, { commonName, organizations, usages: ['clientAuth'] }, cas.ca);
  return renderKubeconfig({
    server,
    caPem: cas.ca.certPem,
    userName: commonName,
    client: { certPem: issued.certPem, keyPem: issued.key.privatePem },
  });
}

/** TKEStack's static token file (baremetal constants.TokenFile). */
const TKE_TOKEN_FILE = '/etc/kubernetes/known_tokens.csv';

/** /root/.kube/config: TKEStack's token kubeconfig (and its token file on masters), or admin.conf's copy. */
function rootKubeconfig(out: FileList, spec: LabClusterSpec, cas: CaSet, admin: string | null): void {
  const token = spec.rootKubeconfigToken;
  if (!token) {
    if (admin) out.add('root/.kube/config', admin, SECRET_MODE);
    return;
  }
  const server = `https://${spec.controlPlaneEndpoint}`;
  out.add('root/.kube/config', renderTokenKubeconfig(server, cas.ca.certPem, spec.name, token), SECRET_MODE);
  if (admin) out.add(TKE_TOKEN_FILE.slice(1), `${token},admin,admin,system:masters\n`, SECRET_MODE);
}

/** kubelet.conf, kubelet-client-current.pem and the kubelet's self-signed serving pair. */
function kubeletFiles(
  out: FileList,
  spec: LabClusterSpec,
  ctx: IssueContext,
  cas: CaSet,
  node: NodeRef,
  now: Date,
): void {
  const server = `https://${spec.controlPlaneEndpoint}`;
  const userName = `system:node:${node.name}`;
  const client = { commonName: userName, organizations: ['system:nodes'], usages: ['clientAuth' as const] };
  if (spec.kubeletConfEmbedded) {
    out.add('etc/kubernetes/kubelet.conf', clientKubeconfig(ctx, cas, server, userName, ['system:nodes']), SECRET_MODE);
  } else {
    out.add(
      'etc/kubernetes/kubelet.conf',
      renderKubeconfig({ server, caPem: cas.ca.certPem, userName, client: { file: KUBELET_CLIENT_CURRENT_PEM } }),
      SECRET_MODE,
    );
  }
  // The kubelet rotates its client certificate itself, so the current one is always valid: issued
  // at most 30 days ago.
  const rotatedAt = new Date(now.getTime() - Math.min(spec.certAgeDays, 30) * DAY_MS);
  const current = issueCert({ ...client, ...leafValidity(rotatedAt) }, takeKey(ctx.reuseKeys), cas.ca);
  out.add(KUBELET_CLIENT_CURRENT_PEM.slice(1), current.certPem + current.key.privatePem, SECRET_MODE);
  const serving = issueCert(
    {
      commonName: `${node.name}@${Math.floor(ctx.createdAt.getTime() / 1000)}`,
      dnsNames: [node.name],
      usages: ['serverAuth'],
      ...leafValidity(ctx.createdAt),
    },
    takeKey(ctx.reuseKeys),
  );
  out.pair('var/lib/kubelet/pki/kubelet', serving);
}

/** kubeadm points controller-manager.conf and scheduler.conf at the local API endpoint since 1.26. */
export function componentKubeconfigServer(version: KubeVersion, controlPlaneEndpoint: string, address: string): string {
  return atLeast(version, 26) ? `https://${address}:6443` : `https://${controlPlaneEndpoint}`;
}

function masterFiles(
  spec: LabClusterSpec,
  version: KubeVersion,
  ctx: IssueContext,
  cas: CaSet,
  index: number,
  now: Date,
): { files: NodeFile[]; etcdClient: Issued } {
  const node = spec.masters[index] as NodeRef;
  const out = new FileList();
  caFiles(out, cas);
  const endpointHost = spec.controlPlaneEndpoint.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  let etcdClient: Issued | undefined;
  for (const leaf of masterLeafRequests(version, { ...node, endpointHost })) {
    const issued = issueLeaf(ctx, leaf.req, cas[leaf.signer]);
    if (leaf.base === 'apiserver-etcd-client') etcdClient = issued;
    out.pair(`${PKI}/${leaf.base}`, issued);
  }
  const endpointServer = `https://${spec.controlPlaneEndpoint}`;
  const componentServer = componentKubeconfigServer(version, spec.controlPlaneEndpoint, node.address);
  const adminOrg = atLeast(version, 29) ? 'kubeadm:cluster-admins' : 'system:masters';
  const admin = clientKubeconfig(ctx, cas, endpointServer, 'kubernetes-admin', [adminOrg]);
  out.add('etc/kubernetes/admin.conf', admin, SECRET_MODE);
  if (index === 0 && atLeast(version, 29)) {
    out.add(
      'etc/kubernetes/super-admin.conf',
      clientKubeconfig(ctx, cas, endpointServer, 'kubernetes-super-admin', ['system:masters']),
      SECRET_MODE,
    );
  }
  out.add(
    'etc/kubernetes/controller-manager.conf',
    clientKubeconfig(ctx, cas, componentServer, 'system:kube-controller-manager', []),
    SECRET_MODE,
  );
  out.add(
    'etc/kubernetes/scheduler.conf',
    clientKubeconfig(ctx, cas, componentServer, 'system:kube-scheduler', []),
    SECRET_MODE,
  );
  rootKubeconfig(out, spec, cas, admin);
  kubeletFiles(out, spec, ctx, cas, node, now);
  if (!spec.light) {
    const manifests = staticPodManifests(version, node, spec.masters, {
      tokenAuthFile: spec.rootKubeconfigToken ? TKE_TOKEN_FILE : undefined,
    });
    for (const [file, yaml] of Object.entries(manifests))
      out.add(`etc/kubernetes/manifests/${file}`, yaml, SECRET_MODE);
  }
  return { files: out.files, etcdClient: etcdClient as Issued };
}

/** Every file of every node of the cluster, as paths relative to the node's root (no leading /). */
export function buildClusterFiles(spec: LabClusterSpec): Map<string, NodeFile[]> {
  if (spec.masters.length === 0) throw new Error(`cluster ${spec.name} has no master`);
  const version = parseKubeVersion(spec.kubernetesVersion);
  const now = new Date();
  const ctx: IssueContext = {
    version,
    createdAt: new Date(now.getTime() - spec.certAgeDays * DAY_MS),
    reuseKeys: spec.light,
  };
  const cas = makeCaSet(ctx);
  const result = new Map<string, NodeFile[]>();
  const masters = spec.masters.map((_, i) => masterFiles(spec, version, ctx, cas, i, now));
  masters.forEach((m, i) => result.set((spec.masters[i] as NodeRef).name, m.files));
  if (!spec.light) {
    const first = masters[0] as { etcdClient: Issued };
    const tkeCerts =
      spec.type === 'global' && spec.tkeCertsShape
        ? tkeCertsData(spec.tkeCertsShape, cas, first.etcdClient, ctx)
        : null;
    const seed = JSON.stringify(seedObjects(spec, version, tkeCerts), null, 2) + '\n';
    for (const m of masters) m.files.push({ path: 'var/lib/kcrlab/seed.json', data: seed, mode: PUBLIC_MODE });
  }
  for (const worker of spec.workers) {
    const out = new FileList();
    out.add(`${PKI}/ca.crt`, cas.ca.certPem, PUBLIC_MODE);
    kubeletFiles(out, spec, ctx, cas, worker, now);
    rootKubeconfig(out, spec, cas, null);
    result.set(worker.name, out.files);
  }
  return result;
}
