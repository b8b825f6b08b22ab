// The expiry report of `check`, from a hand-built run summary shaped as node_facts and served_certs
// publish it: entries, severities, read errors, the day count, and the exit codes.
import { describe, expect, it } from 'vitest';
import { buildExpiryReport } from '../../../src/report/expiry.js';
import { formatDays, formatExpiryTable } from '../../../src/report/expiry-format.js';
import { DAY, FINISHED, THRESHOLDS, cert, fleet, host, summary } from './expiry-fixture.js';
import type { RunSummary } from '../../../src/playbook/results.js';
import type { ComponentRestart } from '../../../src/kube/restart-proof.js';
import { reportCheck } from '../../../src/cli/check-report.js';
import { ExitCode } from '../../../src/errors.js';
import { PassThrough } from 'node:stream';

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

  it('read errors: a node not read counts 1, a read node each unreadable certificate; CAs and start dates carried', () => {
    expect(report.nodes.map((n) => [n.node, n.read, n.readErrors])).toEqual([
      ['m1', true, 1],
      ['m2', false, 1],
      ['n1', true, 0],
    ]);
    expect(entry('m1', 'ca')).toMatchObject({ isCa: true, notBefore: '2024-06-01T12:00:00.000Z' });
    expect(entry('m1', 'apiserver')).toMatchObject({ isCa: false, notBefore: '2024-06-01T12:00:00.000Z' });
    expect(entry('m1', 'kube-apiserver:6443')).toMatchObject({ isCa: false, port: 6443 });
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
      /, 1 component\(s\) not restarted since their credentials changed \(prod\/m1 kube-controller-manager\); soonest prod\/m1 apiserver 100d \(exit code 12\)\n$/,
    );
    const critical = await reportCheck(run(), { warnMs: 300 * DAY * 1000, criticalMs: 200 * DAY * 1000 }, out);
    expect(critical).toBe(ExitCode.checkCritical);
  });
});

describe('the last stderr line of check', () => {
  it("counts only the nodes read, names the others, and gives the soonest in the table's day count", async () => {
    const run = { ...fleet(), exitCode: ExitCode.unreachableOnly };
    const err = new PassThrough();
    const code = await reportCheck(
      run,
      { warnMs: 30 * DAY * 1000, criticalMs: 7 * DAY * 1000 },
      new PassThrough(),
      err,
    );
    expect(code).toBe(ExitCode.unreachableOnly);
    expect(String(err.read())).toBe(
      'check: 9 certificate(s) on 2 of 3 node(s) (not read: prod/m2): 2 critical, 2 warning; soonest prod/m1 admin.conf expired 3d ago (exit code 3)\n',
    );
    const table = new PassThrough();
    await reportCheck(run, { warnMs: 30 * DAY * 1000, criticalMs: 7 * DAY * 1000 }, table);
    // stdout and stderr say the same thing about the same certificate
    expect(String(table.read()).split('\n')[0]).toMatch(/, expired 3d ago$/);
  });
});
