// Parses `kubeadm certs renew all` output line by line (kubeadm-facts.md §2). Anything not
// understood is an error: a wrong "ok" is worse than a clear failure.
import { certByLongName, type CatalogCert } from './cert-catalog.js';

export type RenewLineOutcome = 'renewed' | 'missing' | 'external';

export interface RenewOutput {
  /** Outcome per certificate name, for every certificate line seen. */
  certs: Map<string, RenewLineOutcome>;
  /** kubeadm could not read the cluster's configuration and used defaults. */
  fellBackToDefaults: boolean;
  /** Lines we do not recognise (a different kubeadm, truncated or garbage output). */
  unexpected: string[];
  /** klog warnings and deprecation notices (informational). */
  warnings: string[];
}

const IGNORED = [
  /^\[renew\] Reading configuration from the cluster\.\.\.$/,
  /^\[renew\] FYI: You can look at this config file with /,
  /^\[renew\] Reading configuration from the "kubeadm-config" ConfigMap/,
  /^\[renew\] Use 'kubeadm init phase upload-config/,
  /^Done renewing certificates\. You must restart /,
];
const WARNING = [/^Command "[a-z-]+" is deprecated/, /^[IWE]\d{4} \d{2}:\d{2}:\d{2}/, /^W\d{4}/];
const FALLBACK = /^\[renew\] Error reading configuration from the Cluster\. Falling back to default configuration$/;
const RENEWED = /^(.+) renewed$/;
const MISSING = /^MISSING! (.+)$/;
const EXTERNAL = /^Detected external (ca|front-proxy-ca|etcd\/ca), (.+) can't be renewed$/;

export function parseRenewOutput(stdout: string, stderr = ''): RenewOutput {
  const out: RenewOutput = { certs: new Map(), fellBackToDefaults: false, unexpected: [], warnings: [] };
  const lines = `${stdout}\n${stderr}`.split('\n').map((l) => l.replace(/\r$/, ''));
  for (const line of lines) {
    if (line.trim() === '' || IGNORED.some((re) => re.test(line))) continue;
    if (FALLBACK.test(line)) {
      out.fellBackToDefaults = true;
      continue;
    }
    if (WARNING.some((re) => re.test(line))) {
      out.warnings.push(line);
      continue;
    }
    const cert = matchCert(line);
    if (cert) out.certs.set(cert.cert.name, cert.outcome);
    else out.unexpected.push(line);
  }
  return out;
}

function matchCert(line: string): { cert: CatalogCert; outcome: RenewLineOutcome } | undefined {
  const ext = EXTERNAL.exec(line);
  if (ext) {
    const cert = certByLongName(ext[2] ?? '');
    return cert && { cert, outcome: 'external' };
  }
  const missing = MISSING.exec(line);
  if (missing) {
    const cert = certByLongName(missing[1] ?? '');
    return cert && { cert, outcome: 'missing' };
  }
  const renewed = RENEWED.exec(line);
  if (renewed) {
    const cert = certByLongName(renewed[1] ?? '');
    return cert && { cert, outcome: 'renewed' };
  }
  return undefined;
}
