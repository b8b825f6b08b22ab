// The expiry report of `check`: one entry per certificate (file, kubeconfig, served) per node,
// built from what node_facts and served_certs published. Pure: no I/O.
import type { RunSummary } from './types.js';

export type CertSource = 'file' | 'kubeconfig' | 'served';
export type Severity = 'ok' | 'warning' | 'critical';

export interface ExpiryEntry {
  cluster: string;
  node: string;
  name: string;
  source: CertSource;
  path?: string;
  notAfter: string;
  residualSeconds: number;
  caName?: string;
  serial?: string;
  subject?: string;
  issuer?: string;
  severity: Severity;
  problems: string[];
}

export interface NodeReport {
  cluster: string;
  node: string;
  role: string;
  status: string;
  kubernetesVersion?: string;
  kubeadmVersion?: string;
  apiserverStartedAt?: string;
  problems: string[];
}

export interface ExpiryReport {
  generatedAt: string;
  thresholds: { warnSeconds: number; criticalSeconds: number };
  soonest?: ExpiryEntry;
  entries: ExpiryEntry[];
  nodes: NodeReport[];
  severity: Severity;
}

interface PublishedCert {
  name: string;
  kind: 'file' | 'kubeconfig' | 'ca';
  present: boolean;
  path?: string;
  notAfter?: string;
  residualSeconds?: number;
  serial?: string;
  subject?: string;
  issuer?: string;
  ca?: string;
  chainsToCa?: boolean;
  keyMatches?: boolean;
  problem?: string;
}
interface PublishedServed {
  name: string;
  port: number;
  present: boolean;
  notAfter?: string;
  residualSeconds?: number;
  serial?: string;
  subject?: string;
  issuer?: string;
  matchesDisk?: boolean;
}
interface PublishedNode {
  kubernetesVersion?: string;
  kubeadmVersion?: string;
  kubeletConf?: { present: boolean; embedded: boolean; notAfter?: string; residualSeconds?: number };
}

export function buildExpiryReport(run: RunSummary, thresholds: { warnSeconds: number; criticalSeconds: number }): ExpiryReport {
  const entries: ExpiryEntry[] = [];
  const nodes: NodeReport[] = [];
  const severityOf = (residual: number): Severity => (residual < thresholds.criticalSeconds ? 'critical' : residual < thresholds.warnSeconds ? 'warning' : 'ok');
  for (const cluster of run.clusters) {
    for (const host of cluster.hosts) {
      const certs = (host.data.certificatesBefore as PublishedCert[] | undefined) ?? [];
      const served = (host.data.served as PublishedServed[] | undefined) ?? [];
      const node = (host.data.node as PublishedNode | undefined) ?? {};
      const problems = [...((host.data.servedProblems as string[] | undefined) ?? [])];
      if (host.failure) problems.push(`${host.failure.task}: ${host.failure.message}`);
      for (const c of certs) {
        if (!c.present) continue;
        if (c.notAfter === undefined || c.residualSeconds === undefined) {
          problems.push(`${c.name}: ${c.problem ?? 'unreadable'}`);
          continue;
        }
        const p: string[] = [];
        if (c.residualSeconds <= 0) p.push('expired');
        if (c.chainsToCa === false) p.push(`not signed by ${c.ca}`);
        if (c.keyMatches === false) p.push('does not match its private key');
        entries.push({
          cluster: cluster.cluster, node: host.host, name: c.name, source: c.kind === 'kubeconfig' ? 'kubeconfig' : 'file', path: c.path,
          notAfter: c.notAfter, residualSeconds: c.residualSeconds, caName: c.kind === 'ca' ? c.name : c.ca, serial: c.serial,
          subject: c.subject, issuer: c.issuer, severity: severityOf(c.residualSeconds), problems: p,
        });
      }
      const kc = node.kubeletConf;
      if (kc?.embedded && kc.notAfter && kc.residualSeconds !== undefined) {
        problems.push('kubelet.conf embeds its client certificate (kubeadm#1753): the kubelet will not start once it expires');
        entries.push({
          cluster: cluster.cluster, node: host.host, name: 'kubelet.conf', source: 'kubeconfig', path: '/etc/kubernetes/kubelet.conf',
          notAfter: kc.notAfter, residualSeconds: kc.residualSeconds, caName: 'ca', severity: severityOf(kc.residualSeconds),
          problems: kc.residualSeconds <= 0 ? ['expired'] : [],
        });
      }
      for (const s of served) {
        if (!s.present || s.notAfter === undefined || s.residualSeconds === undefined) continue;
        entries.push({
          cluster: cluster.cluster, node: host.host, name: `${s.name}:${s.port}`, source: 'served', notAfter: s.notAfter,
          residualSeconds: s.residualSeconds, serial: s.serial, subject: s.subject, issuer: s.issuer, severity: severityOf(s.residualSeconds),
          problems: s.matchesDisk === false ? ['differs from the file on disk (component not restarted)'] : [],
        });
      }
      if (node.kubeadmVersion && node.kubernetesVersion && minor(node.kubeadmVersion) !== minor(node.kubernetesVersion)) {
        problems.push(`kubeadm ${node.kubeadmVersion} does not match the cluster's ${node.kubernetesVersion}`);
      }
      nodes.push({
        cluster: cluster.cluster, node: host.host, role: host.role, status: host.status, kubernetesVersion: node.kubernetesVersion,
        kubeadmVersion: node.kubeadmVersion, apiserverStartedAt: host.data.apiserverStartedAt as string | undefined, problems,
      });
    }
  }
  entries.sort((a, b) => a.residualSeconds - b.residualSeconds);
  const severity: Severity = entries.some((e) => e.severity === 'critical') ? 'critical' : entries.some((e) => e.severity === 'warning') ? 'warning' : 'ok';
  return { generatedAt: run.finishedAt, thresholds, soonest: entries[0], entries, nodes, severity };
}

function minor(v: string): string {
  return v.replace(/^v/, '').split('.').slice(0, 2).join('.');
}
