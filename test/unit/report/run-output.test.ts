// The renew run's output from hand-made summaries: what became of each master, the recap's counts,
// what changed, the plan, the last line, the cluster-stop line, line mode's grouping, log lines.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { formatLogRecord } from '../../../src/log-format.js';
import type { ClusterSummary, HostSummary, RunSummary, TaskRecord } from '../../../src/playbook/results.js';
import { countRecords, emptyCounts, firstFailure, hostStatus } from '../../../src/playbook/summary.js';
import { changeLines, clusterStopLine, planLines } from '../../../src/report/changes.js';
import { createClusterBlocks } from '../../../src/report/cluster-blocks.js';
import { formatDays, middleEllipsis } from '../../../src/report/format.js';
import { anythingToChange, hostOutcome } from '../../../src/report/outcome.js';
import { dueLine, finalLine, recapTable } from '../../../src/report/recap.js';
import { createTerminalReporter, wantsLiveView } from '../../../src/report/terminal.js';
import type { RunEvent } from '../../../src/playbook/events.js';
import type { HostReport } from '../../../src/playbook/state.js';

const DAY = 86400;

function rec(host: string, module: string, status: TaskRecord['status'], over: Partial<TaskRecord> = {}): TaskRecord {
  return {
    cluster: 'global',
    host,
    play: 'p',
    task: module,
    module,
    status,
    message: `${module} ${status}`,
    startedAt: '',
    durationMs: 5,
    phase: 'main',
    ...over,
  };
}

/** preflight's record: due or not, soonest admin.conf. */
function preflight(host: string, due: boolean, leftDays = 335): TaskRecord {
  return rec(host, 'preflight', 'ok', {
    task: 'Check the master can be renewed safely',
    data: {
      due,
      reason: due ? `due: admin.conf expires in ${leftDays}.0d` : `not due: soonest admin.conf in ${leftDays}.0d`,
      soonest: { name: 'admin.conf', residualSeconds: leftDays * DAY },
    },
  });
}

function host(
  name: string,
  tasks: TaskRecord[],
  data: HostReport = {},
  role: 'master' | 'worker' = 'master',
): HostSummary {
  return {
    cluster: 'global',
    host: name,
    role,
    status: hostStatus(tasks),
    counts: countRecords(tasks),
    failure: firstFailure(tasks),
    data,
    tasks,
  };
}

function run(hosts: HostSummary[], over: Partial<RunSummary> = {}, cluster: Partial<ClusterSummary> = {}): RunSummary {
  const c: ClusterSummary = { cluster: 'global', type: 'global', status: 'ok', data: {}, hosts, ...cluster };
  return {
    tool: 'kube-cert-renew',
    version: '0',
    command: 'renew',
    playbook: 'renew.yaml',
    dryRun: false,
    startedAt: '',
    finishedAt: '',
    durationMs: 6100,
    interrupted: false,
    exitCode: 0,
    clusters: [c],
    totals: countRecords(
      hosts.flatMap((h) => h.tasks),
      emptyCounts(),
    ),
    ...over,
  };
}

const renewedData: HostReport = {
  backupDir: '/var/lib/kube-cert-renew/backups/20261203T075901Z-m1-abc',
  certificates: [
    { name: 'admin.conf', serialBefore: '1', serialAfter: '2', notAfterAfter: '2027-12-03T07:52:10.000Z' },
    { name: 'apiserver', serialBefore: '3', serialAfter: '4', notAfterAfter: '2027-12-03T07:52:11.000Z' },
  ],
  restartedAt: { etcd: 'x', 'kube-apiserver': 'y' },
};

function renewedMaster(name: string): HostSummary {
  return host(
    name,
    [
      preflight(name, true),
      rec(name, 'backup', 'changed'),
      rec(name, 'kubeadm_renew', 'changed'),
      rec(name, 'restart_control_plane', 'changed'),
      rec(name, 'finish_renewal', 'changed'),
      rec(name, 'restore_backup', 'skipped'),
    ],
    renewedData,
  );
}

/** m2 failed at the renewal and was restored from its backup; m3 never started. */
function failedRun(): RunSummary {
  const m2 = host(
    'm2',
    [
      preflight('m2', true),
      rec('m2', 'backup', 'changed'),
      rec('m2', 'kubeadm_renew', 'failed', {
        task: 'Renew certificates with kubeadm',
        message: 'kubeadm exited 1 (see its output)',
      }),
      rec('m2', 'restore_backup', 'changed', { phase: 'rescue' }),
    ],
    { backupDir: '/b/m2', rolledBackFrom: '/b/m2' },
  );
  return run([renewedMaster('m1'), m2, host('m3', [preflight('m3', true)])], { exitCode: 2 }, { status: 'failed' });
}

describe('what became of each master', () => {
  it('renewed, not due, due (dry run), failed and rolled back, not reached, half renewed, unreachable', () => {
    expect(hostOutcome(renewedMaster('m1'))).toBe('renewed');
    expect(hostOutcome(host('m1', [preflight('m1', false)]))).toBe('not due');
    expect(hostOutcome(host('m1', [preflight('m1', true), rec('m1', 'kubeadm_renew', 'would-change')]))).toBe('due');
    const [, m2, m3] = failedRun().clusters[0]!.hosts;
    expect(hostOutcome(m2!)).toBe('failed, rolled back');
    expect(hostOutcome(m3!)).toBe('not reached');
    expect(hostOutcome(host('m1', [preflight('m1', true), rec('m1', 'backup', 'changed')]))).toBe('half renewed');
    expect(hostOutcome(host('m1', [rec('m1', 'node_facts', 'unreachable')]))).toBe('unreachable');
  });
});

describe('the recap', () => {
  it('CHANGED leaves out the backup and the in-progress mark; RESCUED counts a restored host; NOTE says where it failed', () => {
    const lines = recapTable(failedRun());
    expect(lines[0]).toMatch(
      /^CLUSTER\s+HOST\s+RESULT\s+OK\s+CHANGED\s+SKIPPED\s+FAILED\s+RESCUED\s+UNREACHABLE\s+NOTE$/,
    );
    // m1: preflight, backup and finish_renewal ok (3); renew and restart changed (2); restore skipped.
    expect(lines[1]).toMatch(/^global\s+m1\s+renewed\s+3\s+2\s+1\s+0\s+0\s+0$/);
    expect(lines[2]).toMatch(
      /^global\s+m2\s+failed, rolled back\s+2\s+1\s+0\s+1\s+1\s+0\s+at "Renew certificates with kubeadm"$/,
    );
    expect(lines[3]).toMatch(/^global\s+m3\s+not reached\s+1\s+0\s+0\s+0\s+0\s+0$/);
  });

  it('what changed: certificates and their new end, backup, restarts, TKE pods', () => {
    const s = run([renewedMaster('m1')], {}, { data: { tkeApisRestarted: ['tke-platform-api', 'tke-auth-api'] } });
    expect(changeLines(s)).toEqual([
      'What changed:',
      '  global  m1  2 certificates renewed, now until 2027-12-03 07:52 UTC',
      '              backup /var/lib/kube-cert-renew/backups/20261203T075901Z-m1-abc',
      '              restarted etcd, kube-apiserver',
      '              TKE API pods recreated: tke-platform-api, tke-auth-api',
    ]);
    expect(changeLines(run([host('m1', [preflight('m1', false)])]))).toEqual([]);
  });

  it('after a failure: the rollback, not the backup, and no renewed certificates', () => {
    expect(changeLines(failedRun()).filter((l) => /m2|rolled/.test(l))).toEqual([
      '          m2  rolled back from /b/m2: certificates as before the run',
    ]);
  });
});

describe('the last line', () => {
  it('nothing due: the soonest expiry against the threshold and how to renew early', () => {
    const s = run([host('m1', [preflight('m1', false, 335)]), host('m2', [preflight('m2', false, 340)])]);
    expect(finalLine(s, 30 * DAY)).toBe(
      '0 of 2 masters due; soonest 335d (threshold 30d); use --force or --renew-within to renew early (6.1s, exit code 0)',
    );
    expect(finalLine({ ...s, dryRun: true }, 30 * DAY)).toMatch(/^dry run: 0 of 2 masters due; soonest 335d/);
  });

  it('a dry run with masters due says how to go on', () => {
    const due = host('m1', [preflight('m1', true), rec('m1', 'kubeadm_renew', 'would-change')]);
    const s = run([due, host('m2', [preflight('m2', false)])], { dryRun: true });
    expect(finalLine(s, 400 * DAY)).toBe(
      'dry run: 1 of 2 masters due; nothing was changed; run without --dry-run to renew it (6.1s, exit code 0)',
    );
    expect(anythingToChange(s)).toBe(true);
    expect(planLines(s)).toEqual([
      'Plan (nothing was changed):',
      '  global  m1  due: admin.conf expires in 335.0d',
      '              would renew 0 certificates',
      '          m2  not due: soonest admin.conf in 335.0d',
    ]);
  });

  it('a failure: who, how it ended, who was not reached, what to do', () => {
    expect(finalLine(failedRun(), 30 * DAY)).toBe(
      'renewed 1 of 3 due masters (3 targeted); m2 failed, rolled back; 1 not reached: fix the cause, then run renew again (6.1s, exit code 2)',
    );
    expect(clusterStopLine(failedRun().clusters[0]!)).toBe(
      '[global] failed: m2 failed at "Renew certificates with kubeadm", rolled back from /b/m2; m3 not reached: fix the cause, then run renew again',
    );
  });

  it('after Ctrl-C: names the half-renewed master and says to run renew again', () => {
    const half = host('m1', [
      preflight('m1', true),
      rec('m1', 'backup', 'changed'),
      rec('m1', 'kubeadm_renew', 'changed'),
    ]);
    const s = run([half], { interrupted: true, exitCode: 130 }, { status: 'stopped' });
    expect(finalLine(s, 30 * DAY)).toBe(
      'interrupted: renewed 0 of 1 due master (1 targeted); m1 half renewed (in-progress mark set): run renew again to finish (6.1s, exit code 130)',
    );
    expect(clusterStopLine(s.clusters[0]!)).toBe(
      '[global] stopped: interrupted (Ctrl-C): no new step started; m1 half renewed (in-progress mark set): run renew again to finish',
    );
    expect(recapTable(s)[1]).toMatch(/half renewed .*in-progress mark set: run renew again to finish$/);
  });

  it('days: whole above ten, one decimal below, expired in the past', () => {
    expect(formatDays(334.6 * DAY)).toBe('335d');
    expect(formatDays(2.54 * DAY)).toBe('2.5d');
    expect(formatDays(-3 * DAY)).toBe('expired 3d ago');
    expect(dueLine(run([]), 30 * DAY)).toBe('no master targeted');
  });

  it('a long message is cut in the middle, keeping its end (what to do)', () => {
    const text = `${'a'.repeat(500)} (do this)`;
    const cut = middleEllipsis(text, 100);
    expect(cut).toHaveLength(100);
    expect(cut.endsWith('(do this)')).toBe(true);
    expect(middleEllipsis('short', 100)).toBe('short');
  });
});

describe('line mode grouping', () => {
  it('streams the first cluster, holds the others, and prints each held cluster as one block', () => {
    let out = '';
    const blocks = createClusterBlocks(['a', 'b', 'c'], (t) => (out += t));
    blocks.write('b', 'b1');
    blocks.write('a', 'a1');
    blocks.write('c', 'c1');
    expect(out).toBe('a1\n');
    blocks.write('b', 'b2');
    blocks.end('b');
    blocks.write('a', 'a2');
    blocks.end('a');
    // a is done: b (already finished) comes whole, then c takes the stream.
    expect(out).toBe('a1\na2\nb1\nb2\nc1\n');
    blocks.write('c', 'c2');
    expect(out.endsWith('c1\nc2\n')).toBe(true);
    blocks.flushAll();
  });

  it('flushAll prints what is still held, in cluster order', () => {
    let out = '';
    const blocks = createClusterBlocks(['a', 'b'], (t) => (out += t));
    blocks.write('b', 'b1');
    blocks.write('a', 'a1');
    blocks.flushAll();
    expect(out).toBe('a1\nb1\n');
  });
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function events(s: RunSummary): RunEvent[] {
  const c = s.clusters[0]!;
  return [
    {
      type: 'runStart',
      playbook: 'Renew',
      dryRun: s.dryRun,
      startedAt: '',
      clusters: [{ name: c.cluster, hosts: c.hosts.map((h) => h.host) }],
    },
    ...c.hosts.flatMap((h) => h.tasks.map((record): RunEvent => ({ type: 'taskEnd', record }))),
    ...c.hosts.map((summary): RunEvent => ({ type: 'hostEnd', summary })),
    { type: 'clusterEnd', summary: c },
    { type: 'runEnd', summary: s },
  ];
}

describe('the terminal reporter', () => {
  it('line mode: skipped steps only with -v, one stop line, then what changed, the recap and the last line', () => {
    const out = new Capture();
    const r = createTerminalReporter({ out, live: false, renewWithinSeconds: 30 * DAY });
    events(failedRun()).forEach(r.onEvent);
    const lines = out.text.split('\n');
    expect(lines[0]).toBe('Renew: 1 cluster(s), 3 host(s)');
    expect(out.text).not.toMatch(/ skipped /);
    expect(lines.filter((l) => l.includes('kubeadm exited 1'))).toHaveLength(1);
    expect(lines).toContain(
      '[global] failed: m2 failed at "Renew certificates with kubeadm", rolled back from /b/m2; m3 not reached: fix the cause, then run renew again',
    );
    expect(out.text).toContain('What changed:');
    expect(lines.at(-2)).toMatch(/^renewed 1 of 3 due masters .*\(6\.1s, exit code 2\)$/);
    expect(out.text).not.toContain('\x1b[');

    const verbose = new Capture();
    const v = createTerminalReporter({ out: verbose, live: false, verbose: true });
    events(failedRun()).forEach(v.onEvent);
    expect(verbose.text).toContain('[global/m1] restore_backup skipped');
  });

  it('live mode: log lines above the view, and at the end the report in place of the view', () => {
    let t = 0;
    const out = new Capture();
    const r = createTerminalReporter({
      out,
      live: true,
      now: () => t,
      refreshMs: 60_000,
      renewWithinSeconds: 30 * DAY,
    });
    const evs = events(failedRun());
    r.onEvent(evs[0]!);
    r.onEvent({
      type: 'taskStart',
      cluster: 'global',
      host: 'm1',
      play: 'p',
      task: 'Renew certificates with kubeadm',
      module: 'kubeadm_renew',
      phase: 'main',
    });
    t = 2500;
    r.print('warn [global/m1] something\n');
    expect(out.text).toContain('\x1b[4F\x1b[Jwarn [global/m1] something\n');
    expect(out.text).toMatch(/m1\s+Renew certificates with kubeadm\s+2\.5s/);
    evs.slice(1).forEach(r.onEvent);
    const end = out.text.slice(out.text.lastIndexOf('\x1b[J') + 3);
    // The step lines were not printed: the report names the failure once, then the stop line.
    expect(end.startsWith('\x1b[31m[global/m2] Renew certificates with kubeadm failed 5ms kubeadm exited 1')).toBe(
      true,
    );
    expect(end).toContain('What changed:');
    expect(end).toMatch(/CLUSTER\s+HOST\s+RESULT/);
    expect(end).toContain('renewed 1 of 3 due masters');
  });

  it('is live only on a terminal, outside CI, without --plain, --no-color or NO_COLOR', () => {
    expect(wantsLiveView({ isTTY: true }, {})).toBe(true);
    expect(wantsLiveView({ isTTY: true }, { CI: 'true' })).toBe(false);
    expect(wantsLiveView({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsLiveView({ isTTY: true }, {}, { plain: true })).toBe(false);
    expect(wantsLiveView({ isTTY: true }, {}, { color: false })).toBe(false);
    expect(wantsLiveView({ isTTY: false }, {})).toBe(false);
  });
});

describe('log lines on the terminal', () => {
  it('are human lines with their fields, never JSON; secrets stay redacted', () => {
    const printed: string[] = [];
    const logger = createLogger({ level: 'info', print: (t) => printed.push(t) });
    logger
      .child({ cluster: 'global', host: 'm3' })
      .warn({ target: 'root@10.0.0.1:22', attempt: 1, delayMs: 500, password: 'hunter2' }, 'connect failed; retrying');
    logger.info({ status: 'ok' }, 'task finished');
    expect(printed).toEqual([
      'warn [global/m3] connect failed; retrying (target root@10.0.0.1:22, attempt 1, delayMs 500, password [redacted])\n',
    ]);
    expect(formatLogRecord('{"level":50,"msg":"boom","err":{"message":"bad thing"}}')).toBe(
      'error boom (error "bad thing")',
    );
  });
});
