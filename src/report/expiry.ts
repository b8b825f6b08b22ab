// The expiry report of `check`: one entry per certificate (file, kubeconfig, served) per node,
// built from what node_facts and served_certs published. Pure: no I/O.
import type { RunSummary } from '../playbook/results.js';
import type { NodeSummary } from '../playbook/state.js';
import { minorOf } from '../kube/version.js';

export type CertSource = 'file' | 'kubeconfig' | 'served';
export type Severity = 'ok' | 'warning' | 'critical';

export interface ExpiryEntry {
  cluster: string;
  node: string;
  name: string;
  source: CertSource;
  path?: string;
  /** For served certificates: the port it was read on. */
  port?: number;
  notBefore?: string;
  notAfter: string;
  residualSeconds: number;
  /** A certificate authority (kubeadm's ca, etcd-ca, front-proxy-ca): names itself in caName. */
  isCa: boolean;
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
  /** Components still running on credentials older than their files (by start time, not by what is served). */
  notRestarted: string[];
  /** Its certificates were read (false: unreachable, or failed before node_facts published anything). */
  read: boolean;
  /** What could not be read: the whole node when unread, else each unparseable certificate. */
  readErrors: number;
  problems: string[];
}

export interface ExpiryReport {
  generatedAt: string;
  thresholds: { warnSeconds: number; criticalSeconds: number };
  soonest?: ExpiryEntry;
  entries: ExpiryEntry[];
  nodes: NodeReport[];
  severity: Severity;
  /** `cluster/node component` for every component not restarted since its credentials changed. */
  notRestarted: string[];
}

export function buildExpiryReport(
  run: RunSummary,
  thresholds: { warnSeconds: number; criticalSeconds: number },
): ExpiryReport {
  const entries: ExpiryEntry[] = [];
  const nodes: NodeReport[] = [];
  const severityOf = (residual: number): Severity =>
    residual < thresholds.criticalSeconds ? 'critical' : residual < thresholds.warnSeconds ? 'warning' : 'ok';
  for (const cluster of run.clusters) {
    for (const host of cluster.hosts) {
      // What node_facts and served_certs published (typed in playbook/state.ts).
      const certs = host.data.certificatesBefore ?? [];
      const served = host.data.served ?? [];
      const node: Partial<NodeSummary> = host.data.node ?? {};
      const problems = [...(host.data.servedProblems ?? [])];
      if (host.failure) problems.push(`${host.failure.task}: ${host.failure.message}`);
      const read = host.data.certificatesBefore !== undefined;
      let readErrors = read ? 0 : 1;
      for (const c of certs) {
        if (!c.present) continue;
        if (c.notAfter === undefined || c.residualSeconds === undefined) {
          problems.push(`${c.name}: ${c.problem ?? 'unreadable'}`);
          readErrors++;
          continue;
        }
        const p: string[] = [];
        if (c.residualSeconds <= 0) p.push('expired');
        if (c.chainsToCa === false) p.push(`not signed by ${c.ca}`);
        if (c.keyMatches === false) p.push('does not match its private key');
        entries.push({
          cluster: cluster.cluster,
          node: host.host,
          name: c.name,
          source: c.kind === 'kubeconfig' ? 'kubeconfig' : 'file',
          path: c.path,
          notBefore: c.notBefore,
          notAfter: c.notAfter,
          residualSeconds: c.residualSeconds,
          isCa: c.kind === 'ca',
          caName: c.kind === 'ca' ? c.name : c.ca,
          serial: c.serial,
          subject: c.subject,
          issuer: c.issuer,
          severity: severityOf(c.residualSeconds),
          problems: p,
        });
      }
      if (node.unfinishedRenewalBackup)
        problems.push(
          `an earlier renewal did not finish on this master (its backup: ${node.unfinishedRenewalBackup}): run renew again to finish it`,
        );
      const kc = node.kubeletConf;
      if (kc?.embedded)
        problems.push(
          'kubelet.conf embeds its client certificate (kubeadm#1753): the kubelet will not start once it expires',
        );
      if (kc?.notAfter && kc.residualSeconds !== undefined) {
        // Embedded: kubeadm never renews it. Referenced (kubelet-client-current.pem): the kubelet
        // rotates it itself, but one that is close to its end means rotation is not working.
        const embedded = kc.embedded;
        entries.push({
          cluster: cluster.cluster,
          node: host.host,
          name: embedded ? 'kubelet.conf' : 'kubelet-client-current.pem',
          source: embedded ? 'kubeconfig' : 'file',
          path: embedded ? '/etc/kubernetes/kubelet.conf' : kc.clientCertPath,
          notBefore: kc.notBefore,
          notAfter: kc.notAfter,
          residualSeconds: kc.residualSeconds,
          isCa: false,
          caName: 'ca',
          serial: kc.serial,
          subject: kc.subject,
          issuer: kc.issuer,
          severity: severityOf(kc.residualSeconds),
          problems: kc.residualSeconds <= 0 ? ['expired'] : [],
        });
      }
      for (const s of served) {
        if (!s.present || s.notAfter === undefined || s.residualSeconds === undefined) continue;
        const p: string[] = [];
        if (s.residualSeconds <= 0) p.push('expired');
        // What clients see; not a restart proof (reloaded from disk: API server 1.17+, etcd).
        if (s.matchesDisk === false) p.push(`differs from ${s.diskName ?? 'the file'} on disk`);
        entries.push({
          cluster: cluster.cluster,
          node: host.host,
          name: `${s.name}:${s.port}`,
          source: 'served',
          port: s.port,
          notBefore: s.notBefore,
          notAfter: s.notAfter,
          residualSeconds: s.residualSeconds,
          isCa: false,
          caName: s.ca,
          serial: s.serial,
          subject: s.subject,
          issuer: s.issuer,
          severity: severityOf(s.residualSeconds),
          problems: p,
        });
      }
      if (
        node.kubeadmVersion &&
        node.kubernetesVersion &&
        minorOf(node.kubeadmVersion) !== minorOf(node.kubernetesVersion)
      ) {
        problems.push(`kubeadm ${node.kubeadmVersion} does not match the cluster's ${node.kubernetesVersion}`);
      }
      nodes.push({
        cluster: cluster.cluster,
        node: host.host,
        role: host.role,
        status: host.status,
        kubernetesVersion: node.kubernetesVersion,
        kubeadmVersion: node.kubeadmVersion,
        apiserverStartedAt: host.data.apiserverStartedAt,
        notRestarted: (host.data.restarts ?? []).filter((r) => r.verdict === 'not-restarted').map((r) => r.component),
        read,
        readErrors,
        problems,
      });
    }
  }
  entries.sort(byExpiry);
  const severity: Severity = entries.some((e) => e.severity === 'critical')
    ? 'critical'
    : entries.some((e) => e.severity === 'warning')
      ? 'warning'
      : 'ok';
  const notRestarted = nodes.flatMap((n) => n.notRestarted.map((c) => `${n.cluster}/${n.node} ${c}`));
  return { generatedAt: run.finishedAt, thresholds, soonest: entries[0], entries, nodes, severity, notRestarted };
}

const SOURCE_ORDER: Record<CertSource, number> = { served: 0, file: 1, kubeconfig: 2 };

/**
 * Soonest end date first (not residualSeconds: each node's clock and read time differ by a few
 * seconds, which would shuffle certificates issued together), then served, file, kubeconfig, then name.
 */
export function byExpiry(a: ExpiryEntry, b: ExpiryEntry): number {
  return (
    Date.parse(a.notAfter) - Date.parse(b.notAfter) ||
    SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source] ||
    a.name.localeCompare(b.name)
  );
}
