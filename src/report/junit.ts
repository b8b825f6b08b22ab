// `--junit FILE`: one test suite per cluster, one test case per host x task (classname
// `cluster.host`), failures and skips; hosts that never ran appear as one skipped case. A dry
// run's would-change cases pass, and each suite counts them in a `would-change` property.
import { chmod, writeFile } from 'node:fs/promises';
import type { ClusterSummary, RunSummary, TaskRecord } from '../playbook/results.js';

/** Escapes text for XML content and attribute values; drops characters XML 1.0 forbids. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);
const attrs = (a: Record<string, string | number>): string =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

function testCase(r: TaskRecord): string {
  const name = `${r.play}: ${r.task}${r.phase === 'main' ? '' : ` [${r.phase}]`}`;
  const open = `    <testcase${attrs({ classname: `${r.cluster}.${r.host}`, name, time: seconds(r.durationMs) })}`;
  if (r.status === 'failed' && !r.ignored) {
    return `${open}>\n      <failure${attrs({ message: r.message, type: 'failed' })}>${xmlEscape(r.message)}</failure>\n    </testcase>`;
  }
  if (r.status === 'unreachable') {
    return `${open}>\n      <failure${attrs({ message: r.message, type: 'unreachable' })}>${xmlEscape(r.message)}</failure>\n    </testcase>`;
  }
  if (r.status === 'skipped') return `${open}>\n      <skipped${attrs({ message: r.message })}/>\n    </testcase>`;
  const out = `${r.status}${r.ignored ? ' (ignored)' : ''}: ${r.message}`;
  return `${open}>\n      <system-out>${xmlEscape(out)}</system-out>\n    </testcase>`;
}

function suite(c: ClusterSummary): { xml: string; tests: number; failures: number; skipped: number; ms: number } {
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  let wouldChange = 0;
  let ms = 0;
  for (const h of c.hosts) {
    if (h.status === 'not-run') {
      const reason = c.stoppedReason ? `not run: ${c.stoppedReason}` : 'not run';
      cases.push(
        `    <testcase${attrs({ classname: `${c.cluster}.${h.host}`, name: 'not run', time: '0.000' })}>\n      <skipped${attrs({ message: reason })}/>\n    </testcase>`,
      );
      skipped++;
      continue;
    }
    for (const r of h.tasks) {
      cases.push(testCase(r));
      ms += r.durationMs;
      if ((r.status === 'failed' && !r.ignored) || r.status === 'unreachable') failures++;
      if (r.status === 'skipped') skipped++;
      if (r.status === 'would-change') wouldChange++;
    }
  }
  const head = `  <testsuite${attrs({ name: c.cluster, tests: cases.length, failures, errors: 0, skipped, time: seconds(ms) })}>`;
  const properties = wouldChange
    ? [`    <properties>\n      <property${attrs({ name: 'would-change', value: wouldChange })}/>\n    </properties>`]
    : [];
  return {
    xml: [head, ...properties, ...cases, '  </testsuite>'].join('\n'),
    tests: cases.length,
    failures,
    skipped,
    ms,
  };
}

export function summaryToJunit(summary: RunSummary): string {
  const suites = summary.clusters.map(suite);
  const total = (k: 'tests' | 'failures' | 'skipped') => suites.reduce((n, s) => n + s[k], 0);
  const head = `<testsuites${attrs({ name: `kube-cert-renew ${summary.command}`, tests: total('tests'), failures: total('failures'), errors: 0, skipped: total('skipped'), time: seconds(summary.durationMs) })}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites.map((s) => s.xml), '</testsuites>', ''].join('\n');
}

export async function writeJunitFile(summary: RunSummary, file: string): Promise<void> {
  // 0600: the report names hosts, paths and failures; mode only applies on create, so chmod too.
  await writeFile(file, summaryToJunit(summary), { encoding: 'utf8', mode: 0o600 });
  await chmod(file, 0o600);
}
