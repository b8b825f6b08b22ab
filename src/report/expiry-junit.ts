// `check --junit FILE`: one test suite per cluster, one test case per certificate per host (classname
// `cluster.host`), so a CI test tab shows what the exit code says: a failure for each certificate
// that makes check exit 11 (critical or expired) and each component that makes it exit 12 (not
// restarted since its credentials changed); an error for a host that was not read (exit 2 or 3).
// Warnings (exit 10) pass, with the warning in system-out, as they do not fail a job by themselves.
import type { ExpiryEntry, ExpiryReport, NodeReport } from './expiry.js';
import { formatDays } from './expiry-format.js';
import { xmlEscape } from './junit.js';

const attrs = (a: Record<string, string | number>): string =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

interface Case {
  xml: string;
  failure: boolean;
  error: boolean;
}

function certificateCase(e: ExpiryEntry, warnSeconds: number): Case {
  const classname = `${e.cluster}.${e.node}`;
  const name = `${e.name} (${e.source}${e.path ? ` ${e.path}` : ''})`;
  const left = `ends ${e.notAfter}, ${formatDays(e.residualSeconds)}`;
  const problems = e.problems.length ? `; ${e.problems.join('; ')}` : '';
  const open = `    <testcase${attrs({ classname, name, time: '0.000' })}>`;
  if (e.severity === 'critical') {
    const type = e.residualSeconds <= 0 ? 'expired' : 'critical';
    const message = `${type}: ${left}${problems}`;
    return {
      xml: `${open}\n      <failure${attrs({ message, type })}>${xmlEscape(message)}</failure>\n    </testcase>`,
      failure: true,
      error: false,
    };
  }
  const out = `${e.severity === 'warning' ? `WARNING (under ${formatDays(warnSeconds)}): ` : ''}${left}${problems}`;
  return {
    xml: `${open}\n      <system-out>${xmlEscape(out)}</system-out>\n    </testcase>`,
    failure: false,
    error: false,
  };
}

function nodeCases(n: NodeReport): Case[] {
  const classname = `${n.cluster}.${n.node}`;
  const cases: Case[] = [];
  if (!n.read || n.status === 'failed' || n.status === 'unreachable') {
    const message = `${n.status}: ${n.problems.join('; ') || 'no certificate read'}`;
    cases.push({
      xml: `    <testcase${attrs({ classname, name: 'read certificates', time: '0.000' })}>\n      <error${attrs({ message, type: n.status })}>${xmlEscape(message)}</error>\n    </testcase>`,
      failure: false,
      error: true,
    });
  }
  for (const component of n.notRestarted) {
    const message = `${component} not restarted since its credentials changed`;
    cases.push({
      xml: `    <testcase${attrs({ classname, name: `${component} restarted`, time: '0.000' })}>\n      <failure${attrs({ message, type: 'not-restarted' })}>${xmlEscape(message)}</failure>\n    </testcase>`,
      failure: true,
      error: false,
    });
  }
  return cases;
}

export function expiryToJunit(report: ExpiryReport, durationMs: number): string {
  const clusters = [...new Set(report.nodes.map((n) => n.cluster))];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  const suites = clusters.map((cluster) => {
    const cases: Case[] = [];
    for (const n of report.nodes.filter((x) => x.cluster === cluster)) {
      cases.push(...nodeCases(n));
      for (const e of report.entries.filter((x) => x.cluster === cluster && x.node === n.node))
        cases.push(certificateCase(e, report.thresholds.warnSeconds));
    }
    const f = cases.filter((c) => c.failure).length;
    const err = cases.filter((c) => c.error).length;
    tests += cases.length;
    failures += f;
    errors += err;
    return [
      `  <testsuite${attrs({ name: cluster, tests: cases.length, failures: f, errors: err, skipped: 0, time: '0.000', timestamp: report.generatedAt.replace(/\.\d+Z$/, '') })}>`,
      ...cases.map((c) => c.xml),
      '  </testsuite>',
    ].join('\n');
  });
  const head = `<testsuites${attrs({ name: 'kube-cert-renew check', tests, failures, errors, skipped: 0, time: (durationMs / 1000).toFixed(3) })}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites, '</testsuites>', ''].join('\n');
}
