// The kubelet's real health (not `systemctl is-active`, which says active for part of every crash
// loop): KUBELET_HEALTH_SCRIPT's output as real curl and systemd print it (fixtures/kubelet-health:
// systemd 252 with NRestarts, a crash loop caught in its few healthy seconds and in auto-restart,
// CentOS 7's systemd 219 without NRestarts and in a local zone), judged over a watch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  judgeKubelet,
  parseKubeletSample,
  parseTimespanSec,
  parseUtcTimestampSec,
  stableSeconds,
} from '../../../src/kube/kubelet-health.js';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, 'fixtures', 'kubelet-health', `${name}.txt`), 'utf8');
const HEALTHY = parseKubeletSample(fixture('healthy-systemd-252'));
const LOOP_UP = parseKubeletSample(fixture('crashloop-up-3s'));
const LOOP_DOWN = parseKubeletSample(fixture('crashloop-auto-restart'));
const CENTOS7 = parseKubeletSample(fixture('centos7-systemd-219-cst'));

describe('parseKubeletSample', () => {
  it('reads healthz, the unit and the clock', () => {
    expect(HEALTHY).toEqual({
      healthzOk: true,
      healthz: 'ok',
      activeState: 'active',
      subState: 'running',
      nRestarts: 0,
      activeEnter: 'Mon 2026-11-30 02:14:09 UTC',
      activeEnterSec: Date.parse('2026-11-30T02:14:09Z') / 1000,
      restartDelaySec: 10,
      nowSec: 1796306610,
    });
    expect(LOOP_DOWN).toMatchObject({
      healthzOk: false,
      healthz: "curl: (7) Failed to connect to 127.0.0.1 port 10248 after 0 ms: Couldn't connect to server",
      activeState: 'activating',
      subState: 'auto-restart',
      nRestarts: 8,
    });
  });

  it('systemd 219 has no NRestarts; a local-zone timestamp is kept as text, not guessed', () => {
    expect(CENTOS7.nRestarts).toBeUndefined();
    expect(CENTOS7.activeEnter).toBe('Mon 2026-11-30 10:14:09 CST');
    expect(CENTOS7.activeEnterSec).toBeUndefined();
  });

  it('an HTTP error or garbage never reads as healthy', () => {
    const s = (body: string): string => `\n@@KCR healthz\n${body}\n@@KCR unit\nActiveState=active\n`;
    expect(parseKubeletSample(s('[-]syncloop failed\nhealthz check failed\n500'))).toMatchObject({
      healthzOk: false,
      healthz: 'HTTP 500 [-]syncloop failed healthz check failed',
    });
    expect(parseKubeletSample(s('okay\n200')).healthzOk).toBe(false);
    expect(parseKubeletSample('').healthzOk).toBe(false);
    expect(parseKubeletSample('').restartDelaySec).toBe(10);
  });
});

describe('systemd formats', () => {
  it('timespans', () => {
    expect(parseTimespanSec('10s')).toBe(10);
    expect(parseTimespanSec('100ms')).toBeCloseTo(0.1);
    expect(parseTimespanSec('1min 30s')).toBe(90);
    expect(parseTimespanSec('0')).toBe(0);
    expect(parseTimespanSec('ten')).toBeUndefined();
    expect(parseTimespanSec('10s garbage')).toBeUndefined();
  });
  it('UTC timestamps only', () => {
    expect(parseUtcTimestampSec('Thu 2026-12-03 14:03:27 UTC')).toBe(Date.parse('2026-12-03T14:03:27Z') / 1000);
    expect(parseUtcTimestampSec('Thu 2026-12-03 14:03:27 CST')).toBeUndefined();
    expect(parseUtcTimestampSec('')).toBeUndefined();
  });
});

describe('judgeKubelet', () => {
  it('up for days on the node clock: healthy on the first sample', () => {
    expect(judgeKubelet(HEALTHY, HEALTHY, 0)).toMatchObject({ kind: 'healthy' });
  });

  it('a crash loop caught while active and answering healthz: not healthy yet (up 3 s, restart delay 10 s)', () => {
    expect(stableSeconds(LOOP_UP)).toBe(20);
    expect(judgeKubelet(LOOP_UP, LOOP_UP, 0)).toEqual({
      kind: 'wait',
      detail: 'up 3s, not yet longer than its restart delay 10s + 10s',
    });
  });

  it('then restarted by systemd while watched: crash-looping', () => {
    expect(judgeKubelet(LOOP_UP, LOOP_DOWN, 8)).toEqual({
      kind: 'crash-looping',
      detail: 'systemd restarted it 1 time(s) in 8s (NRestarts 7 -> 8)',
    });
  });

  it('seen first in auto-restart: waits (not active), then a new activation is a restart', () => {
    expect(judgeKubelet(LOOP_DOWN, LOOP_DOWN, 1)).toEqual({
      kind: 'wait',
      detail: 'kubelet.service is activating (auto-restart)',
    });
    const later = { ...LOOP_UP, nRestarts: 8, activeEnter: 'Thu 2026-12-03 14:03:40 UTC' };
    expect(judgeKubelet(LOOP_DOWN, later, 13).kind).toBe('crash-looping');
  });

  it('without NRestarts (systemd 219) a new ActiveEnterTimestamp is the restart; stability is what was watched', () => {
    const restarted = { ...CENTOS7, activeEnter: 'Thu 2026-12-03 22:03:40 CST' };
    expect(judgeKubelet(CENTOS7, restarted, 15)).toMatchObject({ kind: 'crash-looping' });
    expect(judgeKubelet(CENTOS7, CENTOS7, 5)).toMatchObject({ kind: 'wait' });
    expect(judgeKubelet(CENTOS7, CENTOS7, 21)).toMatchObject({ kind: 'healthy' });
  });

  it('active but healthz failing is never healthy, however long it has been up', () => {
    const sick = { ...HEALTHY, healthzOk: false, healthz: 'HTTP 500 healthz check failed' };
    expect(judgeKubelet(sick, sick, 600)).toEqual({
      kind: 'wait',
      detail: 'healthz on :10248: HTTP 500 healthz check failed',
    });
  });
});
