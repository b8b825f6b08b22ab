// check --json (a versioned document with kubeadm's CertificateExpirationInfo per host) and
// check --junit (one case per certificate per host, failures and errors as the exit code says).
import { PassThrough } from 'node:stream';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExpiryReport } from '../../../src/report/expiry.js';
import { checkDocument } from '../../../src/report/expiry-json.js';
import { expiryToJunit } from '../../../src/report/expiry-junit.js';
import { reportCheck } from '../../../src/cli/check-report.js';
import { ExitCode } from '../../../src/errors.js';
import { DAY, THRESHOLDS, cert, fleet, host, summary } from './expiry-fixture.js';

const report = buildExpiryReport(fleet(), THRESHOLDS);
const run = { startedAt: '2025-06-01T11:59:00.000Z', durationMs: 60_000, interrupted: false };

interface Doc {
  apiVersion: string;
  kind: string;
  exitCode: number;
  complete: boolean;
  clusters: { cluster: string; masters: Record<string, number>; soonest: { host: string; name: string } | null }[];
  hosts: {
    cluster: string;
    host: string;
    read: boolean;
    verdict: string;
    kubeadmVersion: string | null;
    certificateExpirationInfo: {
      apiVersion: string;
      kind: string;
      certificates: Record<string, unknown>[];
      certificateAuthorities: Record<string, unknown>[];
    } | null;
    servedCertificates: Record<string, unknown>[];
    kubeletCertificates: Record<string, unknown>[];
    findings: { name: string; severity: string; problems: string[] }[];
    problems: string[];
  }[];
  entries: unknown[];
  nodes: unknown[];
  soonest: unknown;
  severity: string;
}

describe('check --json', () => {
  const doc = JSON.parse(JSON.stringify(checkDocument(report, 11, run))) as Doc;
  const m1 = doc.hosts.find((h) => h.host === 'm1')!;

  it('is versioned, and keeps the flat entries and nodes of earlier versions', () => {
    expect(doc).toMatchObject({
      apiVersion: 'kube-cert-renew/v1',
      kind: 'CheckReport',
      exitCode: 11,
      severity: 'critical',
      complete: false,
    });
    expect(doc.entries).toEqual(JSON.parse(JSON.stringify(report.entries)));
    expect(doc.nodes).toEqual(JSON.parse(JSON.stringify(report.nodes)));
    expect(doc.soonest).toEqual(JSON.parse(JSON.stringify(report.soonest)));
  });

  it("per host, kubeadm's CertificateExpirationInfo: leaves and kubeconfigs in certificates, CAs apart", () => {
    const info = m1.certificateExpirationInfo!;
    expect(info.apiVersion).toBe('output.kubeadm.k8s.io/v1alpha3');
    expect(info.kind).toBe('CertificateExpirationInfo');
    expect(info.certificates.map((c) => c.name)).toEqual([
      'admin.conf',
      'etcd-peer',
      'front-proxy-client',
      'etcd-healthcheck-client',
      'apiserver',
    ]);
    expect(info.certificateAuthorities).toEqual([
      {
        name: 'ca',
        expirationDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        residualTime: 3600 * DAY,
        externallyManaged: false,
        missing: false,
      },
    ]);
    // the kubelet's own certificate beside it (kubeadm does not list it)
    expect(m1.kubeletCertificates.map((c) => c.name)).toEqual(['kubelet.conf']);
    const admin = info.certificates[0]!;
    expect(Object.keys(admin).sort()).toEqual([
      'caName',
      'expirationDate',
      'externallyManaged',
      'missing',
      'name',
      'residualTime',
    ]);
    expect(admin).toMatchObject({ caName: 'ca', residualTime: -3 * DAY - 60, missing: false });
    expect(admin.expirationDate).not.toMatch(/\.\d+Z$/);
    expect(info.certificates.find((c) => c.name === 'front-proxy-client')!.caName).toBe('front-proxy-ca');
  });

  it('what the tool adds sits beside it: served certificates, findings, problems; an unread host says so', () => {
    expect(m1.servedCertificates).toEqual([
      expect.objectContaining({
        name: 'kube-apiserver:6443',
        port: 6443,
        severity: 'ok',
        problems: ['differs from apiserver on disk'],
      }),
    ]);
    expect(m1.findings.map((f) => `${f.severity} ${f.name}`)).toEqual([
      'critical admin.conf',
      'critical kubelet.conf',
      'warning etcd-peer',
      'warning front-proxy-client',
      'ok etcd-healthcheck-client',
      'ok kube-apiserver:6443',
    ]);
    expect(m1.verdict).toBe('critical');
    const m2 = doc.hosts.find((h) => h.host === 'm2')!;
    expect(m2).toMatchObject({
      read: false,
      verdict: 'unreachable',
      kubeadmVersion: null,
      certificateExpirationInfo: null,
      problems: ['node_facts: connection refused'],
    });
    expect(doc.clusters.map((c) => [c.cluster, c.masters, c.soonest?.host, c.soonest?.name])).toEqual([
      ['prod', { total: 2, ok: 0, warning: 0, critical: 1, unreachable: 1 }, 'm1', 'admin.conf'],
      ['lab', { total: 1, ok: 1, warning: 0, critical: 0, unreachable: 0 }, 'n1', 'apiserver'],
    ]);
  });
});

/** testsuite/testcase attributes and children, read with a few regular expressions (the XML is ours and flat). */
function junitCases(
  xml: string,
): { classname: string; name: string; kind: 'failure' | 'error' | 'pass'; type?: string }[] {
  return [
    ...xml.matchAll(
      /<testcase classname="([^"]*)" name="([^"]*)"[^>]*>\n\s*<(failure|error|system-out)(?: message="[^"]*" type="([^"]*)")?/g,
    ),
  ].map((m) => ({
    classname: m[1]!,
    name: m[2]!,
    kind: m[3] === 'system-out' ? 'pass' : (m[3] as 'failure' | 'error'),
    type: m[4],
  }));
}
const attr = (xml: string, tag: string, name: string): string =>
  new RegExp(`<${tag}[^>]* ${name}="([^"]*)"`).exec(xml)![1]!;

describe('check --junit', () => {
  const xml = expiryToJunit(report, 60_000);
  const cases = junitCases(xml);

  it('one test case per certificate per host, a failure for each critical or expired one', () => {
    expect(cases.filter((c) => c.classname === 'prod.m1' && c.kind !== 'error')).toHaveLength(
      report.entries.filter((e) => e.node === 'm1').length,
    );
    expect(
      cases.filter((c) => c.kind === 'failure').map((c) => `${c.classname} ${c.name.split(' ')[0]} ${c.type}`),
    ).toEqual(['prod.m1 admin.conf expired', 'prod.m1 kubelet.conf critical']);
    expect(cases.find((c) => c.name.startsWith('apiserver (file'))).toMatchObject({
      classname: 'prod.m1',
      kind: 'pass',
    });
    expect(xml).toContain('WARNING (under 30d): ends ');
  });

  it('an unreachable host is an error; the counts add up', () => {
    expect(cases.filter((c) => c.kind === 'error')).toEqual([
      { classname: 'prod.m2', name: 'read certificates', kind: 'error', type: 'unreachable' },
    ]);
    expect(attr(xml, 'testsuites', 'tests')).toBe(String(cases.length));
    expect(attr(xml, 'testsuites', 'failures')).toBe('2');
    expect(attr(xml, 'testsuites', 'errors')).toBe('1');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
  });

  it('a component not restarted since its credentials changed is a failure (exit 12)', () => {
    const r = buildExpiryReport(
      summary([
        host('c', 'm1', {
          certificatesBefore: [cert('apiserver', 100 * DAY)],
          restarts: [{ component: 'etcd', verdict: 'not-restarted', detail: '' }],
        }),
      ]),
      THRESHOLDS,
    );
    const x = expiryToJunit(r, 1000);
    expect(
      junitCases(x)
        .filter((c) => c.kind === 'failure')
        .map((c) => c.name),
    ).toEqual(['etcd restarted']);
  });

  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('written by reportCheck, mode 0600, failures exactly when it exits 11', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kcr-junit-'));
    dirs.push(dir);
    const file = path.join(dir, 'check.xml');
    const critical = await reportCheck(
      fleet(),
      { warnMs: 30 * DAY * 1000, criticalMs: 7 * DAY * 1000, junit: file },
      new PassThrough(),
    );
    expect(critical).toBe(ExitCode.checkCritical);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(attr(await readFile(file, 'utf8'), 'testsuites', 'failures')).toBe('2');
    const fine = summary([host('lab', 'n1', { certificatesBefore: [cert('apiserver', 200 * DAY)] })]);
    expect(
      await reportCheck(fine, { warnMs: 30 * DAY * 1000, criticalMs: 7 * DAY * 1000, junit: file }, new PassThrough()),
    ).toBe(ExitCode.ok);
    const x = await readFile(file, 'utf8');
    expect([
      attr(x, 'testsuites', 'tests'),
      attr(x, 'testsuites', 'failures'),
      attr(x, 'testsuites', 'errors'),
    ]).toEqual(['1', '0', '0']);
  });
});
