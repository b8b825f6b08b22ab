// `check --json`: one versioned document. Per host, kubeadm's own `kubeadm certs check-expiration
// -o json` shape (output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo: certificates[] and
// certificateAuthorities[] of {name, expirationDate, residualTime (seconds), externallyManaged,
// caName, missing}), so scripts written for kubeadm read it; what this tool adds (cluster, host,
// served certificates, problems) sits beside it under its own names. The flat `entries` and `nodes`
// of earlier versions stay, unchanged, for existing scripts. Pure.
import type { RunSummary } from '../playbook/results.js';
import type { ExpiryEntry, ExpiryReport } from './expiry.js';
import { nodeVerdict, summarizeClusters } from './expiry-summary.js';

export const CHECK_API_VERSION = 'kube-cert-renew/v1';
export const CHECK_KIND = 'CheckReport';
export const KUBEADM_OUTPUT_API_VERSION = 'output.kubeadm.k8s.io/v1alpha3';

/** kubeadm's output.Certificate. */
export interface KubeadmCertificate {
  name: string;
  expirationDate: string;
  residualTime: number;
  externallyManaged: boolean;
  caName?: string;
  missing: boolean;
}

export interface KubeadmCertificateExpirationInfo {
  apiVersion: typeof KUBEADM_OUTPUT_API_VERSION;
  kind: 'CertificateExpirationInfo';
  certificates: KubeadmCertificate[];
  certificateAuthorities: KubeadmCertificate[];
}

/** The kubelet's client certificate (rotated by the kubelet, or embedded in kubelet.conf): kubeadm does not list it. */
const KUBELET_CERTIFICATES = new Set(['kubelet.conf', 'kubelet-client-current.pem']);

function kubeadmCertificate(e: ExpiryEntry): KubeadmCertificate {
  return {
    name: e.name,
    // RFC 3339 without fractions, as metav1.Time marshals.
    expirationDate: e.notAfter.replace(/\.\d+Z$/, 'Z'),
    residualTime: Math.trunc(e.residualSeconds),
    // kubeadm's own flag: a CA without its key on the node (an external CA). This tool reads no CA
    // key, so it cannot tell, and says false as kubeadm does for every kubeadm-managed certificate.
    externallyManaged: false,
    ...(e.isCa ? {} : e.caName ? { caName: e.caName } : {}),
    missing: false,
  };
}

export function checkDocument(
  report: ExpiryReport,
  exitCode: number,
  run: Pick<RunSummary, 'startedAt' | 'durationMs' | 'interrupted'>,
): object {
  const hosts = report.nodes.map((n) => {
    const mine = report.entries.filter((e) => e.cluster === n.cluster && e.node === n.node);
    // kubeadm lists what it manages in /etc/kubernetes: not what is served, not the kubelet's own.
    const kubeadms = mine.filter((e) => e.source !== 'served' && !KUBELET_CERTIFICATES.has(e.name));
    return {
      cluster: n.cluster,
      host: n.node,
      role: n.role,
      status: n.status,
      read: n.read,
      verdict: nodeVerdict(n, report.entries),
      kubernetesVersion: n.kubernetesVersion ?? null,
      kubeadmVersion: n.read ? (n.kubeadmVersion ?? 'absent') : null,
      certificateExpirationInfo: n.read
        ? ({
            apiVersion: KUBEADM_OUTPUT_API_VERSION,
            kind: 'CertificateExpirationInfo',
            certificates: kubeadms.filter((e) => !e.isCa).map(kubeadmCertificate),
            certificateAuthorities: kubeadms.filter((e) => e.isCa).map(kubeadmCertificate),
          } satisfies KubeadmCertificateExpirationInfo)
        : null,
      kubeletCertificates: mine.filter((e) => KUBELET_CERTIFICATES.has(e.name)).map(kubeadmCertificate),
      servedCertificates: mine
        .filter((e) => e.source === 'served')
        .map((e) => ({ ...kubeadmCertificate(e), port: e.port, severity: e.severity, problems: e.problems })),
      findings: mine
        .filter((e) => e.severity !== 'ok' || e.problems.length > 0)
        .map((e) => ({ name: e.name, source: e.source, severity: e.severity, problems: e.problems })),
      notRestarted: n.notRestarted,
      problems: n.problems,
    };
  });
  const clusters = summarizeClusters(report).map((c) => ({
    cluster: c.cluster,
    masters: c.masters,
    workers: c.workers,
    soonest: c.soonest
      ? {
          host: c.soonest.node,
          name: c.soonest.name,
          source: c.soonest.source,
          notAfter: c.soonest.notAfter,
          residualSeconds: c.soonest.residualSeconds,
        }
      : null,
  }));
  return {
    apiVersion: CHECK_API_VERSION,
    kind: CHECK_KIND,
    generatedAt: report.generatedAt,
    thresholds: report.thresholds,
    severity: report.severity,
    exitCode,
    complete: report.nodes.every((n) => n.read),
    run,
    clusters,
    hosts,
    soonest: report.soonest,
    notRestarted: report.notRestarted,
    entries: report.entries,
    nodes: report.nodes,
  };
}
