// A hand-built `check` run shaped as node_facts and served_certs publish it, shared by the report tests.
import type { HostSummary, RunSummary, TaskStatus } from '../../../src/playbook/results.js';
import type { CertLine } from '../../../src/kube/cert-lines.js';
import type { ServedCert } from '../../../src/kube/served.js';
import type { NodeFacts } from '../../../src/kube/node-facts.js';

export const DAY = 86400;
export const FINISHED = '2025-06-01T12:00:00.000Z';
export const NOW_MS = Date.parse(FINISHED);
export const THRESHOLDS = { warnSeconds: 30 * DAY, criticalSeconds: 7 * DAY };

export const at = (residualSeconds: number): { notAfter: string; residualSeconds: number } => ({
  notAfter: new Date(NOW_MS + residualSeconds * 1000).toISOString(),
  residualSeconds,
});

export function cert(name: string, residualSeconds: number, extra: Partial<CertLine> = {}): CertLine {
  const kind = name.endsWith('.conf') ? 'kubeconfig' : 'file';
  return {
    name,
    kind,
    present: true,
    path: `/etc/kubernetes/${kind === 'kubeconfig' ? name : `pki/${name}.crt`}`,
    ...at(residualSeconds),
    notBefore: '2024-06-01T12:00:00.000Z',
    serial: '7c0ffee',
    subject: `CN=kube-${name}`,
    issuer: 'CN=kubernetes',
    chainsToCa: true,
    keyMatches: true,
    ca: 'ca',
    ...extra,
  };
}

export const counts = (): Record<TaskStatus, number> => ({
  ok: 0,
  changed: 0,
  'would-change': 0,
  skipped: 0,
  failed: 0,
  unreachable: 0,
});

export function host(
  cluster: string,
  name: string,
  data: Record<string, unknown>,
  extra: Partial<HostSummary> = {},
): HostSummary {
  return { cluster, host: name, role: 'master', status: 'ok', counts: counts(), data, tasks: [], ...extra };
}

type PublishedNode = Pick<NodeFacts, 'kubernetesVersion' | 'kubeletConf' | 'unfinishedRenewalBackup'> & {
  kubeadmVersion?: string;
};

export function summary(hosts: HostSummary[]): RunSummary {
  const clusters = [...new Set(hosts.map((h) => h.cluster))];
  return {
    tool: 'kube-cert-renew',
    version: '0.1.0',
    command: 'check',
    playbook: 'check',
    dryRun: false,
    startedAt: '2025-06-01T11:59:00.000Z',
    finishedAt: FINISHED,
    durationMs: 60_000,
    interrupted: false,
    exitCode: 0,
    totals: counts(),
    clusters: clusters.map((c) => ({
      cluster: c,
      type: 'standalone',
      status: 'ok',
      data: {},
      hosts: hosts.filter((h) => h.cluster === c),
    })),
  };
}

// cluster prod: m1 has a bit of everything; m2 failed before its facts were read.
// cluster lab: one healthy master.
export const m1Certs: CertLine[] = [
  cert('apiserver', 100 * DAY, { serial: '1f3dd416529a26f0e7f5521e97050f542759598d' }),
  cert('front-proxy-client', 20 * DAY, { ca: 'front-proxy-ca', issuer: 'CN=front-proxy-ca' }),
  cert('admin.conf', -3 * DAY - 60, { subject: 'O=system:masters, CN=kubernetes-admin' }),
  cert('etcd-peer', 7 * DAY, { ca: 'etcd-ca', chainsToCa: false }),
  cert('etcd-healthcheck-client', 30 * DAY, { ca: 'etcd-ca', keyMatches: false }),
  cert('etcd-server', 0, { present: false, notAfter: undefined, residualSeconds: undefined }),
  {
    name: 'apiserver-kubelet-client',
    kind: 'file',
    present: true,
    path: '/etc/kubernetes/pki/apiserver-kubelet-client.crt',
    ca: 'ca',
    problem: 'not a PEM certificate',
  },
  {
    ...cert('ca', 3600 * DAY),
    kind: 'ca',
    path: '/etc/kubernetes/pki/ca.crt',
    ca: undefined,
    subject: 'CN=kubernetes',
  },
];
const m1Served: ServedCert[] = [
  {
    name: 'kube-apiserver',
    port: 6443,
    diskName: 'apiserver',
    present: true,
    ...at(300 * DAY),
    serial: 'ff',
    subject: 'CN=kube-apiserver',
    issuer: 'CN=kubernetes',
    matchesDisk: false,
  },
  { name: 'etcd', port: 2379, diskName: 'etcd-server', present: false },
];
const m1Node: PublishedNode = {
  kubernetesVersion: '1.18.3',
  kubeadmVersion: '1.20.4',
  kubeletConf: { present: true, embedded: true, ...at(5 * DAY) },
  unfinishedRenewalBackup: '20250601T110000Z-m1-a1b2c3',
};

export function fleet(): RunSummary {
  return summary([
    host('prod', 'm1', {
      certificatesBefore: m1Certs,
      served: m1Served,
      node: m1Node,
      servedProblems: [
        'kube-apiserver on :6443 serves a certificate other than apiserver on disk (not restarted since a renewal)',
      ],
    }),
    host('prod', 'm2', {}, { status: 'unreachable', failure: { task: 'node_facts', message: 'connection refused' } }),
    host('lab', 'n1', {
      certificatesBefore: [cert('apiserver', 200 * DAY)],
      node: {
        kubernetesVersion: '1.20.4-tke.1',
        kubeadmVersion: '1.20.6',
        kubeletConf: {
          present: true,
          embedded: false,
          clientCertPath: '/var/lib/kubelet/pki/kubelet-client-current.pem',
        },
      },
    }),
  ]);
}
