// Writers for the expiry report: a terminal table, and a node-exporter textfile whose metric
// names and labels follow enix/x509-certificate-exporter (so existing alerts work), plus our own
// `cluster`, `node` and `source` labels.
import type { ExpiryEntry, ExpiryReport } from './expiry.js';

export function formatDays(seconds: number): string {
  // Whole days or hours elapsed, both ways: 10 days and 1 second ago is "10d", not "11d".
  const span = (s: number): string => (s / 86400 >= 2 ? `${Math.floor(s / 86400)}d` : `${Math.floor(s / 3600)}h`);
  return seconds <= 0 ? `expired ${span(-seconds)} ago` : span(seconds);
}

export function formatExpiryTable(report: ExpiryReport): string {
  const lines: string[] = [];
  const s = report.soonest;
  lines.push(
    s
      ? `Soonest expiry in the fleet: ${s.cluster}/${s.node} ${s.name} (${s.source}) on ${s.notAfter.slice(0, 10)}, ${formatDays(s.residualSeconds)}`
      : 'No certificates found.',
  );
  const byNode = new Map<string, ExpiryEntry[]>();
  for (const e of report.entries) {
    const key = `${e.cluster}/${e.node}`;
    byNode.set(key, [...(byNode.get(key) ?? []), e]);
  }
  // Clusters, and nodes within a cluster, by their soonest expiry (entries are sorted already);
  // nodes without any certificate read (unreachable, failed) after the others, in inventory order.
  const rank = new Map<string, number>();
  report.entries.forEach((e, i) => {
    for (const key of [e.cluster, `${e.cluster}/${e.node}`]) if (!rank.has(key)) rank.set(key, i);
  });
  const order = (key: string): number => rank.get(key) ?? Number.MAX_SAFE_INTEGER;
  const clusters = [...new Set(report.nodes.map((n) => n.cluster))].sort((a, b) => order(a) - order(b));
  for (const cluster of clusters) {
    lines.push('', `== cluster ${cluster}`);
    for (const node of report.nodes
      .filter((n) => n.cluster === cluster)
      .sort((a, b) => order(`${cluster}/${a.node}`) - order(`${cluster}/${b.node}`))) {
      lines.push(
        `-- ${node.node} (${node.role}, Kubernetes ${node.kubernetesVersion ?? '?'}, kubeadm ${node.kubeadmVersion ?? 'absent'}, ${node.status})`,
      );
      const rows = (byNode.get(`${cluster}/${node.node}`) ?? []).map((e) => [
        e.severity === 'ok' ? '' : e.severity.toUpperCase(),
        e.name,
        e.source,
        e.notAfter.slice(0, 16).replace('T', ' '),
        formatDays(e.residualSeconds),
        e.caName ?? '',
        e.problems.join('; '),
      ]);
      if (rows.length)
        lines.push(
          ...table([['', 'CERTIFICATE', 'SOURCE', 'EXPIRES (UTC)', 'LEFT', 'CA', 'PROBLEMS'], ...rows]).map(
            (l) => `   ${l}`,
          ),
        );
      for (const p of node.problems) lines.push(`   ! ${p}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

function cn(dn: string | undefined, field: string): string {
  const m = new RegExp(`(?:^|, )${field}=([^,]*)`).exec(dn ?? '');
  return m?.[1] ?? '';
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatPrometheus(report: ExpiryReport): string {
  const now = Date.parse(report.generatedAt) / 1000;
  const out: string[] = [
    '# HELP x509_cert_not_after Unix timestamp of the certificate NotAfter field',
    '# TYPE x509_cert_not_after gauge',
  ];
  const expired: string[] = [
    '# HELP x509_cert_expired 1 if the certificate is expired',
    '# TYPE x509_cert_expired gauge',
  ];
  for (const e of report.entries) {
    const labels: Record<string, string> = {
      cluster: e.cluster,
      node: e.node,
      source: e.source,
      name: e.name,
      filename: e.path ? e.path.split('/').pop()! : '',
      filepath: e.path ?? '',
      embedded_kind: e.source === 'kubeconfig' ? 'user' : '',
      embedded_key: e.source === 'kubeconfig' ? 'client-certificate-data' : '',
      serial_number: e.serial ? BigInt(`0x${e.serial}`).toString(10) : '',
      subject_CN: cn(e.subject, 'CN'),
      subject_O: cn(e.subject, 'O'),
      issuer_CN: cn(e.issuer, 'CN'),
    };
    const l = `{${Object.entries(labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',')}}`;
    const notAfter = Date.parse(e.notAfter) / 1000;
    out.push(`x509_cert_not_after${l} ${notAfter}`);
    expired.push(`x509_cert_expired${l} ${notAfter <= now ? 1 : 0}`);
  }
  return `${[...out, ...expired].join('\n')}\n`;
}
