// `check --prometheus FILE`: a node-exporter textfile with x509-certificate-exporter's metric and
// label names (x509_cert_not_before, x509_cert_not_after, x509_cert_expired, x509_read_errors;
// filename, filepath, embedded_kind, embedded_key, serial_number, subject_* and issuer_* as C, ST, L,
// O, OU, CN), so its dashboards and its `(x509_cert_not_after - time())` rules work unchanged.
// Our own labels carry a `kcr_` prefix: `cluster` and `node` are target or external labels in many
// setups, and Prometheus would rename or override them. Pure: no I/O.
import type { ExpiryEntry, ExpiryReport } from './expiry.js';

const FAMILIES = [
  ['x509_cert_not_before', "Unix timestamp of the certificate's NotBefore field"],
  ['x509_cert_not_after', "Unix timestamp of the certificate's NotAfter field"],
  [
    'x509_cert_expired',
    '1 if the certificate had expired when kube-cert-renew check wrote this file (kcr_check_timestamp_seconds); alert on x509_cert_not_after - time() instead, which stays true between runs',
  ],
  [
    'x509_read_errors',
    'What kube-cert-renew check could not read on the node in its last run: 1 for a node not read at all, plus each unreadable certificate',
  ],
  ['kcr_check_node_up', "1 if kube-cert-renew check read the node's certificates in its last run, else 0"],
  ['kcr_check_timestamp_seconds', 'When kube-cert-renew check wrote this file (Unix time)'],
] as const;
type Family = (typeof FAMILIES)[number][0];

export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** `{a="x",b="y"}` with empty values left out (Prometheus treats an empty label as absent anyway). */
function labelSet(labels: [string, string | undefined][]): string {
  const kept = labels.filter((l): l is [string, string] => l[1] !== undefined && l[1] !== '');
  return kept.length ? `{${kept.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
}

const DN_FIELDS = ['C', 'ST', 'L', 'O', 'OU', 'CN'] as const;

/** The first value of each DN field the exporter labels (`O=system:masters, CN=admin`). */
function dnLabels(prefix: string, dn: string | undefined): [string, string | undefined][] {
  return DN_FIELDS.map((f) => [`${prefix}_${f}`, new RegExp(`(?:^|, )${f}=([^,]*)`).exec(dn ?? '')?.[1]]);
}

function entryLabels(e: ExpiryEntry): string {
  return labelSet([
    ['kcr_cluster', e.cluster],
    ['kcr_node', e.node],
    ['kcr_source', e.source],
    ['kcr_name', e.name],
    ['filename', e.path?.split('/').pop()],
    // A served certificate has no file: where it was read, so "at location ..." still says something.
    ['filepath', e.source === 'served' ? `https://${e.node}:${e.port ?? ''}` : e.path],
    ['embedded_kind', e.source === 'kubeconfig' ? 'user' : undefined],
    ['embedded_key', e.source === 'kubeconfig' ? 'client-certificate-data' : undefined],
    ['serial_number', e.serial ? BigInt(`0x${e.serial}`).toString(10) : undefined],
    ...dnLabels('subject', e.subject),
    ...dnLabels('issuer', e.issuer),
  ]);
}

const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/**
 * The textfile. A node not read this run keeps its certificate series from `previous` (the last
 * file): being unreachable does not change a certificate, and dropping them would silence its
 * expiry alerts; its x509_read_errors and kcr_check_node_up say the values are from an earlier run.
 */
export function formatPrometheus(report: ExpiryReport, previous?: string): string {
  const now = Date.parse(report.generatedAt) / 1000;
  const samples = new Map<Family, string[]>(FAMILIES.map(([name]) => [name, []]));
  const add = (family: Family, line: string): void => void samples.get(family)!.push(line);
  for (const e of report.entries) {
    const l = entryLabels(e);
    if (e.notBefore) add('x509_cert_not_before', `x509_cert_not_before${l} ${seconds(e.notBefore)}`);
    add('x509_cert_not_after', `x509_cert_not_after${l} ${seconds(e.notAfter)}`);
    add('x509_cert_expired', `x509_cert_expired${l} ${seconds(e.notAfter) <= now ? 1 : 0}`);
  }
  for (const n of report.nodes) {
    const l = labelSet([
      ['kcr_cluster', n.cluster],
      ['kcr_node', n.node],
    ]);
    add('x509_read_errors', `x509_read_errors${l} ${n.readErrors}`);
    add('kcr_check_node_up', `kcr_check_node_up${l} ${n.read ? 1 : 0}`);
    if (!n.read && previous)
      for (const [family, line] of carriedOver(previous, n.cluster, n.node, now)) add(family, line);
  }
  add('kcr_check_timestamp_seconds', `kcr_check_timestamp_seconds ${Math.floor(now)}`);
  const out: string[] = [];
  for (const [name, help] of FAMILIES) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.get(name)!);
  }
  return `${out.join('\n')}\n`;
}

/** The certificate series of one node in an earlier file; x509_cert_expired recomputed from its not_after. */
function carriedOver(previous: string, cluster: string, node: string, now: number): [Family, string][] {
  const mark = [`kcr_cluster="${escapeLabel(cluster)}"`, `kcr_node="${escapeLabel(node)}"`];
  const out: [Family, string][] = [];
  for (const line of previous.split('\n')) {
    const m = /^(x509_cert_not_before|x509_cert_not_after)(\{.*\}) (\d+)$/.exec(line);
    if (!m || !mark.every((k) => m[2]!.startsWith(`{${k}`) || m[2]!.includes(`,${k}`))) continue;
    const family = m[1] as Family;
    out.push([family, line]);
    if (family === 'x509_cert_not_after')
      out.push(['x509_cert_expired', `x509_cert_expired${m[2]} ${Number(m[3]) <= now ? 1 : 0}`]);
  }
  return out;
}
