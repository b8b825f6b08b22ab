// check's Prometheus textfile: x509-certificate-exporter's names, read through a strict parser of the
// text exposition format (./exposition.ts).
import { describe, expect, it } from 'vitest';
import { buildExpiryReport } from '../../../src/report/expiry.js';
import { formatPrometheus } from '../../../src/report/expiry-prometheus.js';
import { DAY, FINISHED, THRESHOLDS, cert, fleet, host, summary } from './expiry-fixture.js';
import { parseExposition, type Sample } from './exposition.js';

const report = buildExpiryReport(fleet(), THRESHOLDS);
const text = formatPrometheus(report);
const { samples, help, type } = parseExposition(text);
const CERT_FAMILIES = ['x509_cert_not_before', 'x509_cert_not_after', 'x509_cert_expired'];

describe('formatPrometheus', () => {
  it('is valid exposition format: typed families, each contiguous, every series once', () => {
    expect([...type.entries()]).toEqual([
      ['x509_cert_not_before', 'gauge'],
      ['x509_cert_not_after', 'gauge'],
      ['x509_cert_expired', 'gauge'],
      ['x509_read_errors', 'gauge'],
      ['kcr_check_node_up', 'gauge'],
      ['kcr_check_timestamp_seconds', 'gauge'],
    ]);
    expect([...help.keys()]).toEqual([...type.keys()]);
    const names = samples.map((s) => s.name);
    for (const metric of type.keys()) {
      const series = samples
        .filter((s) => s.name === metric)
        .map((s) => JSON.stringify(Object.entries(s.labels).sort()));
      expect(new Set(series).size, metric).toBe(series.length);
      const first = names.indexOf(metric);
      expect(
        names.slice(first, names.lastIndexOf(metric) + 1).every((n) => n === metric),
        metric,
      ).toBe(true);
    }
  });

  it('not_after and expired for every certificate, not_before where known, with the same labels', () => {
    for (const e of report.entries) {
      const mine = samples.filter(
        (s) => s.labels.kcr_node === e.node && s.labels.kcr_name === e.name && s.labels.kcr_cluster === e.cluster,
      );
      expect(mine.map((s) => s.name)).toEqual(CERT_FAMILIES.filter((f) => f !== 'x509_cert_not_before' || e.notBefore));
      const notAfter = mine.find((s) => s.name === 'x509_cert_not_after')!;
      expect(notAfter.value).toBe(Date.parse(e.notAfter) / 1000);
      expect(mine.find((s) => s.name === 'x509_cert_expired')!.value).toBe(e.residualSeconds <= 0 ? 1 : 0);
      if (e.notBefore) expect(mine[0]!.value).toBe(Date.parse(e.notBefore) / 1000);
      for (const s of mine) expect(s.labels).toEqual(notAfter.labels);
      expect(notAfter.labels.kcr_source).toBe(e.source);
    }
  });

  it('labels as x509-certificate-exporter names them, ours prefixed kcr_ so they collide with no target label', () => {
    const api = samples.find(
      (s) => s.name === 'x509_cert_not_after' && s.labels.kcr_node === 'm1' && s.labels.kcr_name === 'apiserver',
    )!;
    expect(api.labels).toEqual({
      kcr_cluster: 'prod',
      kcr_node: 'm1',
      kcr_source: 'file',
      kcr_name: 'apiserver',
      filename: 'apiserver.crt',
      filepath: '/etc/kubernetes/pki/apiserver.crt',
      serial_number: '178357534753276097884485438600000188684527294861',
      subject_CN: 'kube-apiserver',
      issuer_CN: 'kubernetes',
    });
    for (const s of samples)
      for (const k of ['cluster', 'node', 'instance', 'job', 'name', 'source']) expect(s.labels[k]).toBeUndefined();
    const admin = samples.find((s) => s.labels.kcr_name === 'admin.conf')!;
    expect(admin.labels).toMatchObject({
      embedded_kind: 'user',
      embedded_key: 'client-certificate-data',
      subject_O: 'system:masters',
      subject_CN: 'kubernetes-admin',
      serial_number: '130088942',
    });
    // A served certificate has no file: its location is where it was read.
    expect(samples.find((s) => s.labels.kcr_name === 'kube-apiserver:6443')!.labels).toMatchObject({
      serial_number: '255',
      filepath: 'https://m1:6443',
    });
  });

  it('every subject and issuer field the exporter labels: C, ST, L, O, OU, CN', () => {
    const run = summary([
      host('c', 'm1', {
        certificatesBefore: [
          cert('apiserver', 10 * DAY, {
            subject: 'C=CN, ST=Guangdong, L=Shenzhen, O=Tencent, OU=TKE, CN=api',
            issuer: 'C=CN, O=Tencent, CN=ca',
          }),
        ],
      }),
    ]);
    const s = parseExposition(formatPrometheus(buildExpiryReport(run, THRESHOLDS))).samples.find(
      (x) => x.name === 'x509_cert_not_after',
    )!;
    expect(s.labels).toMatchObject({
      subject_C: 'CN',
      subject_ST: 'Guangdong',
      subject_L: 'Shenzhen',
      subject_O: 'Tencent',
      subject_OU: 'TKE',
      subject_CN: 'api',
      issuer_C: 'CN',
      issuer_O: 'Tencent',
      issuer_CN: 'ca',
    });
  });

  it('health: a read-error and an up series for every node, the unreachable one included, and the time written', () => {
    const of = (name: string): [string, number][] =>
      samples.filter((s) => s.name === name).map((s) => [`${s.labels.kcr_cluster}/${s.labels.kcr_node}`, s.value]);
    expect(of('x509_read_errors')).toEqual([
      ['prod/m1', 1],
      ['prod/m2', 1],
      ['lab/n1', 0],
    ]);
    expect(of('kcr_check_node_up')).toEqual([
      ['prod/m1', 1],
      ['prod/m2', 0],
      ['lab/n1', 1],
    ]);
    expect(samples.find((s) => s.name === 'kcr_check_timestamp_seconds')).toEqual({
      name: 'kcr_check_timestamp_seconds',
      labels: {},
      value: Date.parse(FINISHED) / 1000,
    });
  });

  it("keeps an unread node's certificate series from the previous file, so its expiry alerts do not go quiet", () => {
    const before = summary([
      host('prod', 'm2', { certificatesBefore: [cert('apiserver', 2 * DAY)] }),
      host('prod', 'm3', { certificatesBefore: [cert('apiserver', 50 * DAY)] }),
    ]);
    const previous = formatPrometheus(buildExpiryReport(before, THRESHOLDS));
    const now = summary([
      host('prod', 'm2', {}, { status: 'unreachable' }),
      host('prod', 'm3', { certificatesBefore: [cert('apiserver', 60 * DAY)] }),
    ]);
    // a week later the certificate of m2 has ended
    const later = { ...now, finishedAt: new Date(Date.parse(FINISHED) + 7 * DAY * 1000).toISOString() };
    const out = parseExposition(formatPrometheus(buildExpiryReport(later, THRESHOLDS), previous)).samples;
    const m2 = (name: string): Sample[] => out.filter((s) => s.name === name && s.labels.kcr_node === 'm2');
    expect(m2('x509_cert_not_after').map((s) => s.value)).toEqual([Date.parse(FINISHED) / 1000 + 2 * DAY]);
    expect(m2('x509_cert_not_before')).toHaveLength(1);
    expect(m2('x509_cert_expired').map((s) => s.value)).toEqual([1]);
    expect(m2('kcr_check_node_up').map((s) => s.value)).toEqual([0]);
    expect(m2('x509_read_errors').map((s) => s.value)).toEqual([1]);
    // m3 was read: only this run's values
    expect(
      out.filter((s) => s.name === 'x509_cert_not_after' && s.labels.kcr_node === 'm3').map((s) => s.value),
    ).toEqual([Date.parse(FINISHED) / 1000 + 60 * DAY]);
  });

  it('escapes backslashes, quotes and newlines in label values', () => {
    const odd = 'we"ird\\name\nx';
    const run = summary([
      host(odd, 'm"1', { certificatesBefore: [cert('apiserver', 10 * DAY, { subject: 'O=a\\"b, CN=c"d' })] }),
    ]);
    const out = formatPrometheus(buildExpiryReport(run, THRESHOLDS));
    const parsed = parseExposition(out).samples;
    expect(parsed.filter((s) => s.name.startsWith('x509_cert_'))).toHaveLength(3);
    expect(parsed[0]!.labels).toMatchObject({
      kcr_cluster: odd,
      kcr_node: 'm"1',
      subject_O: 'a\\"b',
      subject_CN: 'c"d',
    });
    // and an odd name is carried over too
    const carried = parseExposition(
      formatPrometheus(buildExpiryReport(summary([host(odd, 'm"1', {}, { status: 'unreachable' })]), THRESHOLDS), out),
    ).samples;
    expect(carried.filter((s) => s.name === 'x509_cert_not_after')).toHaveLength(1);
  });
});
