// The expiry report of `check`, from a hand-built run summary shaped as node_facts and served_certs
// publish it: entries, severities, the terminal table and the Prometheus textfile.
import { describe, expect, it } from 'vitest';
import { buildExpiryReport } from '../../../src/report/expiry.js';
import { formatDays, formatExpiryTable, formatPrometheus } from '../../../src/report/expiry-format.js';
import type { HostSummary, RunSummary, TaskStatus } from '../../../src/playbook/results.js';
import type { CertLine } from '../../../src/kube/cert-lines.js';
import type { ServedCert } from '../../../src/kube/served.js';
import type { NodeFacts } from '../../../src/kube/node-facts.js';
import type { ComponentRestart } from '../../../src/kube/restart-proof.js';
import { reportCheck } from '../../../src/cli/check-report.js';
import { ExitCode } from '../../../src/errors.js';
import { PassThrough } from 'node:stream';

const DAY = 86400;
const FINISHED = '2025-06-01T12:00:00.000Z';
const NOW_MS = Date.parse(FINISHED);
const THRESHOLDS = { warnSeconds: 30 * DAY, criticalSeconds: 7 * DAY };

const at = (residualSeconds: number): { notAfter: string; residualSeconds: number } => ({
  notAfter: new Date(NOW_MS + residualSeconds * 1000).toISOString(),
  residualSeconds,
});

function cert(name: string, residualSeconds: number, extra: Partial<CertLine> = {}): CertLine {
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

const counts = (): Record<TaskStatus, number> => ({
  ok: 0,
  changed: 0,
  'would-change': 0,
  skipped: 0,
  failed: 0,
  unreachable: 0,
});

function host(
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

function summary(hosts: HostSummary[]): RunSummary {
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
const m1Certs: CertLine[] = [
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

function fleet(): RunSummary {
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

describe('buildExpiryReport', () => {
  const report = buildExpiryReport(fleet(), THRESHOLDS);
  const entry = (node: string, name: string) => report.entries.find((e) => e.node === node && e.name === name);

  it('one entry per readable certificate, soonest first', () => {
    expect(report.entries.map((e) => `${e.cluster}/${e.node}/${e.name}`)).toEqual([
      'prod/m1/admin.conf',
      'prod/m1/kubelet.conf',
      'prod/m1/etcd-peer',
      'prod/m1/front-proxy-client',
      'prod/m1/etcd-healthcheck-client',
      'prod/m1/apiserver',
      'lab/n1/apiserver',
      'prod/m1/kube-apiserver:6443',
      'prod/m1/ca',
    ]);
    const residuals = report.entries.map((e) => e.residualSeconds);
    expect(residuals).toEqual([...residuals].sort((a, b) => a - b));
    expect(report.soonest).toBe(report.entries[0]);
    expect(report.generatedAt).toBe(FINISHED);
  });

  it('severities by threshold: expired and under 7 days critical, under 30 days warning', () => {
    expect(entry('m1', 'admin.conf')).toMatchObject({
      severity: 'critical',
      problems: ['expired'],
      source: 'kubeconfig',
    });
    expect(entry('m1', 'kubelet.conf')).toMatchObject({
      severity: 'critical',
      problems: [],
      source: 'kubeconfig',
      caName: 'ca',
    });
    // Exactly 7 days is no longer critical; exactly 30 days no longer a warning.
    expect(entry('m1', 'etcd-peer')!.severity).toBe('warning');
    expect(entry('m1', 'front-proxy-client')!.severity).toBe('warning');
    expect(entry('m1', 'etcd-healthcheck-client')!.severity).toBe('ok');
    expect(entry('m1', 'apiserver')!.severity).toBe('ok');
    expect(report.severity).toBe('critical');
    expect(buildExpiryReport(fleet(), { warnSeconds: 2 * DAY, criticalSeconds: -10 * DAY }).severity).toBe('warning');
    expect(buildExpiryReport(fleet(), { warnSeconds: -10 * DAY, criticalSeconds: -10 * DAY }).severity).toBe('ok');
  });

  it('certificate problems: wrong CA, wrong key, served certificate not the one on disk', () => {
    expect(entry('m1', 'etcd-peer')!.problems).toEqual(['not signed by etcd-ca']);
    expect(entry('m1', 'etcd-healthcheck-client')!.problems).toEqual(['does not match its private key']);
    expect(entry('m1', 'kube-apiserver:6443')).toMatchObject({
      source: 'served',
      problems: ['differs from apiserver on disk'],
    });
    expect(entry('m1', 'ca')).toMatchObject({ source: 'file', caName: 'ca', problems: [] });
    expect(entry('m1', 'apiserver')!.problems).toEqual([]);
  });

  it('absent certificates are left out; unreadable ones, an unfinished renewal, embedded kubelet.conf, version skew and failures are node problems', () => {
    expect(entry('m1', 'etcd-server')).toBeUndefined();
    expect(entry('m1', 'etcd:2379')).toBeUndefined();
    expect(entry('m1', 'apiserver-kubelet-client')).toBeUndefined();
    const m1 = report.nodes.find((n) => n.node === 'm1')!;
    expect(m1.problems).toEqual([
      'kube-apiserver on :6443 serves a certificate other than apiserver on disk (not restarted since a renewal)',
      'apiserver-kubelet-client: not a PEM certificate',
      'an earlier renewal did not finish on this master (its backup: 20250601T110000Z-m1-a1b2c3): run renew again to finish it',
      'kubelet.conf embeds its client certificate (kubeadm#1753): the kubelet will not start once it expires',
      "kubeadm 1.20.4 does not match the cluster's 1.18.3",
    ]);
    expect(report.nodes.find((n) => n.node === 'm2')).toMatchObject({
      status: 'unreachable',
      problems: ['node_facts: connection refused'],
    });
    // Same minor with a TKE suffix: no skew; kubelet.conf pointing at the pem: no entry, no problem.
    expect(report.nodes.find((n) => n.node === 'n1')!.problems).toEqual([]);
    expect(entry('n1', 'kubelet.conf')).toBeUndefined();
  });

  it('an empty run', () => {
    const empty = buildExpiryReport(summary([]), THRESHOLDS);
    expect(empty).toMatchObject({ entries: [], nodes: [], severity: 'ok', soonest: undefined });
    expect(formatExpiryTable(empty)).toBe('No certificates found.\n');
  });
});

describe('formatDays', () => {
  it('whole days from 2 days, hours below, both ways', () => {
    expect(formatDays(100 * DAY + 3600)).toBe('100d');
    expect(formatDays(2 * DAY)).toBe('2d');
    expect(formatDays(2 * DAY - 1)).toBe('47h');
    expect(formatDays(59 * 60)).toBe('0h');
    expect(formatDays(0)).toBe('expired 0h ago');
    expect(formatDays(-5 * 3600)).toBe('expired 5h ago');
    expect(formatDays(-3 * DAY - 60)).toBe('expired 3d ago');
    expect(formatDays(-10 * DAY - 1)).toBe('expired 10d ago');
  });
});

describe('formatExpiryTable', () => {
  const report = buildExpiryReport(fleet(), THRESHOLDS);
  const text = formatExpiryTable(report);
  const lines = text.split('\n');

  it('leads with the soonest expiry of the fleet', () => {
    expect(lines[0]).toBe(
      `Soonest expiry in the fleet: prod/m1 admin.conf (kubeconfig) on ${m1Certs[2]!.notAfter!.slice(0, 10)}, expired 3d ago`,
    );
  });

  it('groups by cluster and node, in order, with versions and status', () => {
    const heads = lines.filter((l) => l.startsWith('==') || l.startsWith('--'));
    expect(heads).toEqual([
      '== cluster prod',
      '-- m1 (master, Kubernetes 1.18.3, kubeadm 1.20.4, ok)',
      '-- m2 (master, Kubernetes ?, kubeadm absent, unreachable)',
      '== cluster lab',
      '-- n1 (master, Kubernetes 1.20.4-tke.1, kubeadm 1.20.6, ok)',
    ]);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('one aligned row per certificate, severity first, problems last', () => {
    const m1 = lines.slice(
      lines.indexOf('-- m1 (master, Kubernetes 1.18.3, kubeadm 1.20.4, ok)') + 1,
      lines.indexOf('-- m2 (master, Kubernetes ?, kubeadm absent, unreachable)'),
    );
    const header = m1[0]!;
    expect(header.trim().split(/\s{2,}/)).toEqual(['CERTIFICATE', 'SOURCE', 'EXPIRES (UTC)', 'LEFT', 'CA', 'PROBLEMS']);
    const rows = m1.slice(1, 9);
    expect(rows.map((r) => r.slice(header.indexOf('CERTIFICATE')).split(' ')[0])).toEqual(
      report.entries.filter((e) => e.node === 'm1').map((e) => e.name),
    );
    const admin = rows[0]!;
    expect(admin.startsWith('   CRITICAL')).toBe(true);
    expect(admin.slice(header.indexOf('EXPIRES (UTC)'))).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} +expired 3d ago +ca +expired$/,
    );
    expect(rows[2]).toMatch(/^ {3}WARNING +etcd-peer +file +.* 7d +etcd-ca +not signed by etcd-ca$/);
    expect(rows.find((r) => r.includes('kube-apiserver:6443'))).toMatch(
      / served .* 300d .*differs from apiserver on disk$/,
    );
    expect(m1).toContain(
      '   ! kubelet.conf embeds its client certificate (kubeadm#1753): the kubelet will not start once it expires',
    );
    expect(lines).toContain('   ! node_facts: connection refused');
  });
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text exposition format (0.0.4): throws on any line it does not accept. */
function parseExposition(text: string): { samples: Sample[]; help: Map<string, string>; type: Map<string, string> } {
  expect(text.endsWith('\n')).toBe(true);
  const samples: Sample[] = [];
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const sampleRe = new RegExp(
    `^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (-?(?:\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)|NaN|[+-]Inf)$`,
  );
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (kind === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(rest);
        expect(
          samples.some((s) => s.name === name),
          `TYPE after samples of ${name}`,
        ).toBe(false);
        type.set(name, rest);
      } else help.set(name, rest);
      continue;
    }
    const m = sampleRe.exec(line);
    if (!m) throw new Error(`not exposition format: ${line}`);
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, help, type };
}

describe('formatPrometheus', () => {
  const report = buildExpiryReport(fleet(), THRESHOLDS);
  const text = formatPrometheus(report);
  const { samples, help, type } = parseExposition(text);

  it('is valid exposition format: typed families, every series once', () => {
    expect([...type.entries()]).toEqual([
      ['x509_cert_not_after', 'gauge'],
      ['x509_cert_expired', 'gauge'],
    ]);
    expect([...help.keys()]).toEqual(['x509_cert_not_after', 'x509_cert_expired']);
    for (const metric of type.keys()) {
      const series = samples
        .filter((s) => s.name === metric)
        .map((s) => JSON.stringify(Object.entries(s.labels).sort()));
      expect(series.length).toBe(report.entries.length);
      expect(new Set(series).size).toBe(series.length);
    }
    // Families are contiguous.
    const names = samples.map((s) => s.name);
    expect(names.lastIndexOf('x509_cert_not_after')).toBeLessThan(names.indexOf('x509_cert_expired'));
  });

  it("one not_after and one expired sample per entry, with the entry's labels", () => {
    for (const e of report.entries) {
      const mine = samples.filter(
        (s) => s.labels.node === e.node && s.labels.name === e.name && s.labels.cluster === e.cluster,
      );
      expect(mine.map((s) => s.name)).toEqual(['x509_cert_not_after', 'x509_cert_expired']);
      const [notAfter, expired] = mine as [Sample, Sample];
      expect(notAfter.value).toBe(Date.parse(e.notAfter) / 1000);
      expect(expired.value).toBe(e.residualSeconds <= 0 ? 1 : 0);
      expect(notAfter.labels).toEqual(expired.labels);
      expect(notAfter.labels.source).toBe(e.source);
      expect(notAfter.labels.filepath).toBe(e.path ?? '');
    }
  });

  it('labels as x509-certificate-exporter names them; serial_number in decimal', () => {
    const api = samples.find(
      (s) => s.name === 'x509_cert_not_after' && s.labels.node === 'm1' && s.labels.name === 'apiserver',
    )!;
    expect(api.labels).toEqual({
      cluster: 'prod',
      node: 'm1',
      source: 'file',
      name: 'apiserver',
      filename: 'apiserver.crt',
      filepath: '/etc/kubernetes/pki/apiserver.crt',
      embedded_kind: '',
      embedded_key: '',
      serial_number: '178357534753276097884485438600000188684527294861',
      subject_CN: 'kube-apiserver',
      subject_O: '',
      issuer_CN: 'kubernetes',
    });
    const admin = samples.find((s) => s.labels.name === 'admin.conf')!;
    expect(admin.labels).toMatchObject({
      embedded_kind: 'user',
      embedded_key: 'client-certificate-data',
      subject_O: 'system:masters',
      subject_CN: 'kubernetes-admin',
      serial_number: '130088942',
    });
    expect(samples.find((s) => s.labels.name === 'kube-apiserver:6443')!.labels).toMatchObject({
      serial_number: '255',
      filename: '',
      filepath: '',
    });
  });

  it('escapes backslashes, quotes and newlines in label values', () => {
    const odd = 'we"ird\\name\nx';
    const run = summary([
      host(odd, 'm"1', { certificatesBefore: [cert('apiserver', 10 * DAY, { subject: 'O=a\\"b, CN=c"d' })] }),
    ]);
    const out = formatPrometheus(buildExpiryReport(run, THRESHOLDS));
    expect(out.split('\n').filter((l) => l.startsWith('x509_')).length).toBe(2);
    const parsed = parseExposition(out).samples[0]!;
    expect(parsed.labels).toMatchObject({ cluster: odd, node: 'm"1', subject_O: 'a\\"b', subject_CN: 'c"d' });
  });
});

describe('components not restarted since their credentials changed', () => {
  const restarts: ComponentRestart[] = [
    { component: 'kube-apiserver', verdict: 'restarted', detail: 'its container started … after …' },
    { component: 'kube-controller-manager', verdict: 'not-restarted', detail: 'its container started … before …' },
    { component: 'kube-scheduler', verdict: 'unknown', detail: 'no running container and no start time served' },
  ];
  const run = (): RunSummary =>
    summary([
      host('prod', 'm1', { certificatesBefore: [cert('apiserver', 100 * DAY)], restarts }),
      host('prod', 'm2', { certificatesBefore: [cert('apiserver', 100 * DAY)] }),
    ]);

  it('are listed per node and for the fleet; an unknown verdict is not one', () => {
    const report = buildExpiryReport(run(), THRESHOLDS);
    expect(report.nodes.map((n) => [n.node, n.notRestarted])).toEqual([
      ['m1', ['kube-controller-manager']],
      ['m2', []],
    ]);
    expect(report.notRestarted).toEqual(['prod/m1 kube-controller-manager']);
    expect(report.severity).toBe('ok');
  });

  it('make check exit 12 (11 still wins), and the last stderr line says which', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const code = await reportCheck(run(), { warnMs: 30 * DAY * 1000, criticalMs: 7 * DAY * 1000 }, out, err);
    expect(code).toBe(ExitCode.checkNotRestarted);
    expect(code).toBe(12);
    expect(String(err.read())).toMatch(
      /, 1 component\(s\) not restarted since their credentials changed \(prod\/m1 kube-controller-manager\) \(exit code 12\)\n$/,
    );
    const critical = await reportCheck(run(), { warnMs: 300 * DAY * 1000, criticalMs: 200 * DAY * 1000 }, out);
    expect(critical).toBe(ExitCode.checkCritical);
  });
});
