// Certificate summaries for reports: names, end dates, days left. Never key material.
import { CA_CATALOG, CERT_CATALOG } from './cert-catalog.js';
import type { CertFact, NodeFacts } from './node-facts.js';
import { KUBERNETES_DIR } from './paths.js';

/** One certificate as reports show it (file, kubeconfig, CA). */
export type CertLine = Omit<CertFact, 'fingerprint256'> & { path: string };

const PATHS: Record<string, string> = Object.fromEntries([
  ...CERT_CATALOG.map((c) => [c.name, `${KUBERNETES_DIR}/${c.path}`]),
  ...CA_CATALOG.map((c) => [c.name, `${KUBERNETES_DIR}/${c.crt}`]),
]);

/** Every certificate of the node: catalog certificates, then the CAs. */
export function certSummary(facts: NodeFacts): CertLine[] {
  return [...Object.values(facts.certs), ...Object.values(facts.cas)].map(({ fingerprint256: _fp, ...c }) => ({
    ...c,
    path: PATHS[c.name] ?? c.name,
  }));
}

/** The present certificate that expires first. */
export function soonestExpiry(facts: NodeFacts): CertFact | undefined {
  return Object.values(facts.certs)
    .filter((c) => c.present && c.residualSeconds !== undefined)
    .sort((a, b) => (a.residualSeconds ?? 0) - (b.residualSeconds ?? 0))[0];
}

/** One certificate before and after a renewal (or a restore), for the renew report. */
export interface CertChange {
  name: string;
  notAfterBefore?: string;
  notAfterAfter?: string;
  serialBefore?: string;
  serialAfter?: string;
}

/** Before/after per certificate, for the renew report. */
export function beforeAfter(before: NodeFacts, after: NodeFacts): CertChange[] {
  return Object.keys(before.certs)
    .filter((name) => before.certs[name]?.present || after.certs[name]?.present)
    .map((name) => ({
      name,
      notAfterBefore: before.certs[name]?.notAfter,
      notAfterAfter: after.certs[name]?.notAfter,
      serialBefore: before.certs[name]?.serial,
      serialAfter: after.certs[name]?.serial,
    }));
}
