// The writers the CLI picks: JUnit XML (well-formed, escaped), JSON, and the terminal view.
import { spawnSync } from 'node:child_process';
import { beforeEach, describe, expect, it } from 'vitest';
import { summaryToJson } from '../../../src/report/json.js';
import { summaryToJunit, xmlEscape } from '../../../src/report/junit.js';
import { finalLine, recapTable } from '../../../src/report/recap.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import type { RunSummary } from '../../../src/playbook/results.js';
import { inventory, onePlay, playbook, resetLog, runTestPlaybook } from '../playbook/helpers.js';

beforeEach(resetLog);

/** A run with every outcome: ok, changed, skipped, an ignored failure, a failure with rescue, not-run, unreachable. */
async function mixedRun(events: RunEvent[] = []): Promise<RunSummary> {
  const pb = playbook(`
name: mixed
plays:
  - name: renew <"&'>
    hosts: masters
    serial: 1
    tasks:
      - { name: ok step, module: t_step }
      - { name: changed step, module: t_step, args: { status: changed } }
      - { name: skipped step, module: t_step, when: host.name == "nobody" }
      - { name: tolerated, module: t_step, args: { failOn: [m1, m2] }, ignoreErrors: true }
      - { name: "fails <here> & \\"now\\"", module: t_step, args: { failOn: [m2] } }
    rescue:
      - { name: restore, module: t_step }
`);
  return runTestPlaybook(inventory({ 'c&1': ['m1', 'm2', 'm3'], c2: ['m4'] }), pb, {
    unreachable: ['m4'],
    forks: 2,
    onEvent: (e) => events.push(e),
  });
}

/** A strict check of the subset of XML we write: declaration, nested elements, quoted attributes, entities. */
function assertWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < body.length && (m = token.exec(body))) {
    pos = token.lastIndex;
    const [, close, name, attrs, selfClose, text] = m;
    for (const chunk of [attrs ?? '', text ?? '']) {
      expect(chunk.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toMatch(/[&<]/);
    }
    if (text !== undefined) continue;
    if (close) expect(stack.pop()).toBe(name);
    else if (!selfClose) stack.push(name!);
  }
  expect(pos).toBe(body.length);
  expect(stack).toEqual([]);
}

describe('JUnit', () => {
  it('one test case per host and task, classname cluster.host, failures and skips counted', async () => {
    const s = await mixedRun();
    const xml = summaryToJunit(s);
    assertWellFormed(xml);
    const cases = xml.match(/<testcase /g)!.length;
    // c&1: m1 5 tasks, m2 5 tasks + 1 rescue, m3 not run (1 case); c2: m4 unreachable at its first task.
    expect(cases).toBe(5 + 6 + 1 + 1);
    expect(xml).toContain('<testsuite name="c&amp;1" tests="12" failures="1" errors="0" skipped="3"');
    expect(xml).toContain('<testsuite name="c2" tests="1" failures="1" errors="0" skipped="0"');
    expect(xml).toContain(
      'classname="c&amp;1.m2" name="renew &lt;&quot;&amp;&apos;&gt;: fails &lt;here&gt; &amp; &quot;now&quot;"',
    );
    expect(xml).toContain('<failure message="step failed on purpose" type="failed">');
    expect(xml).toContain('<failure message="connection refused" type="unreachable">');
    expect(xml).toMatch(/classname="c&amp;1.m3" name="not run"[^>]*>\n\s+<skipped message="not run: m2 failed at/);
    expect(xml).toContain('name="renew &lt;&quot;&amp;&apos;&gt;: restore [rescue]"');
    expect(xml).toContain('<system-out>failed (ignored): step failed on purpose</system-out>');
  });

  it.skipIf(spawnSync('python3', ['--version']).status !== 0)('parses with a real XML parser', async () => {
    const xml = summaryToJunit(await mixedRun());
    const r = spawnSync(
      'python3',
      [
        '-c',
        'import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.buffer.read()); print(len(d.getElementsByTagName("testcase")))',
      ],
      { input: xml },
    );
    expect(r.stderr.toString()).toBe('');
    expect(r.stdout.toString().trim()).toBe('13');
  });

  it('escapes markup and drops characters XML cannot hold', () => {
    expect(xmlEscape('a<b>&"c\'\u0000\u001b[31m')).toBe('a&lt;b&gt;&amp;&quot;c&apos;[31m');
  });
});

describe('JSON', () => {
  it('is one document holding the whole summary', async () => {
    const s = await mixedRun();
    const doc = JSON.parse(summaryToJson(s)) as RunSummary;
    // Each host also carries its backup directory and certificates beside its status.
    for (const h of doc.clusters.flatMap((c) => c.hosts) as unknown as Record<string, unknown>[]) {
      expect(h).toHaveProperty('backupDir');
      expect(Array.isArray(h.certificates)).toBe(true);
      delete h.backupDir;
      delete h.certificates;
    }
    expect(doc).toEqual(JSON.parse(JSON.stringify(s)));
    expect(doc.exitCode).toBe(2);
    expect(doc.clusters[0]!.stoppedReason).toMatch(/^m2 failed at "fails <here>/);
  });
});

describe('a dry run counts the changes it would make', () => {
  it('in totals (JSON), in a WOULD-CHANGE column and the last line (terminal), and per suite (JUnit)', async () => {
    const pb = onePlay({
      tasks: [
        '{ name: read, module: t_step }',
        '{ name: change, module: t_mutate }',
        '{ name: already, module: t_mutate, args: { decision: ok } }',
      ],
    });
    const s = await runTestPlaybook(inventory({ c: ['m1', 'm2'] }), pb, { options: { dryRun: true }, forks: 1 });
    expect((JSON.parse(summaryToJson(s)) as RunSummary).totals).toEqual({
      ok: 4,
      changed: 0,
      'would-change': 2,
      skipped: 0,
      failed: 0,
      unreachable: 0,
    });
    const table = recapTable(s);
    expect(table[0]).toMatch(
      /^CLUSTER\s+HOST\s+RESULT\s+OK\s+WOULD-CHANGE\s+SKIPPED\s+FAILED\s+RESCUED\s+UNREACHABLE\s+NOTE$/,
    );
    expect(table[1]).toMatch(/^c\s+m1\s+would change\s+2\s+1\s+0\s+0\s+0\s+0$/);
    expect(finalLine(s, 30 * 86400)).toMatch(/^dry run: 2 change\(s\) would be made \(\d+ms, exit code 0\)$/);
    const xml = summaryToJunit(s);
    assertWellFormed(xml);
    expect(xml).toContain('<testsuite name="c" tests="6" failures="0" errors="0" skipped="0"');
    expect(xml).toContain('<property name="would-change" value="2"/>');
    expect(xml).toContain('<system-out>would-change: would change it</system-out>');
  });
});
