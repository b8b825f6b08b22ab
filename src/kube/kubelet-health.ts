// Whether the kubelet is really up (fidelity-audit.md §6, #2): `systemctl is-active` says `active`
// for part of every crash loop (kubelet.service: Restart=always, RestartSec=10, never `failed`). A
// healthy kubelet answers http://127.0.0.1:10248/healthz with ok and has not been restarted for
// longer than its restart delay: NRestarts and ActiveEnterTimestamp stay the same. Pure: parses
// KUBELET_HEALTH_SCRIPT's output and judges samples.
import { parseSections } from './node-scripts.js';

/** systemd's default RestartSec, when the unit does not say (kubelet.service of TKEStack sets 10 s too). */
const DEFAULT_RESTART_DELAY_SEC = 10;
/** Added to the restart delay: a kubelet must have stayed up this much longer than one restart cycle. */
export const STABLE_MARGIN_SEC = 10;

export interface KubeletSample {
  healthzOk: boolean;
  /** "ok", or why not (curl's error, the HTTP code and body). */
  healthz: string;
  activeState?: string;
  subState?: string;
  /** Absent on systemd before 235 (CentOS 7's 219), which has no such property. */
  nRestarts?: number;
  /** As systemctl printed it (the identity of the current activation). */
  activeEnter?: string;
  /** The same, seconds since the epoch, when it is a UTC timestamp (the script asks for UTC). */
  activeEnterSec?: number;
  restartDelaySec: number;
  /** The node's clock, seconds. */
  nowSec?: number;
}

/** systemd's timespan as `systemctl show` prints it: "10s", "100ms", "1min 30s", "2h", "0". */
export function parseTimespanSec(text: string): number | undefined {
  const units: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, min: 60, h: 3600, d: 86400 };
  const t = text.trim();
  if (t === '0') return 0;
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)\b/g)];
  if (parts.length === 0 || parts.map((m) => m[0]).join(' ') !== t.replace(/\s+/g, ' ')) return undefined;
  return parts.reduce((sum, m) => sum + Number(m[1]) * units[m[2]!]!, 0);
}

/** "Thu 2026-12-03 10:35:22 UTC" (systemd's format_timestamp with TZ=UTC0) -> seconds; other zones: undefined. */
export function parseUtcTimestampSec(text: string): number | undefined {
  const m = /^(?:\w{3} )?(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) (?:UTC|GMT)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

export function parseKubeletSample(output: string): KubeletSample {
  const s = parseSections(output);
  const lines = (s.get('healthz') ?? '').split('\n');
  const code = Number(lines.pop());
  const body = lines.join(' ').trim();
  const healthzOk = code === 200 && body === 'ok';
  const props = new Map<string, string>();
  for (const line of (s.get('unit') ?? '').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) props.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const nRestarts = props.has('NRestarts') ? Number(props.get('NRestarts')) : undefined;
  const activeEnter = props.get('ActiveEnterTimestamp') || undefined;
  const now = Number(s.get('now') ?? '');
  return {
    healthzOk,
    healthz: healthzOk
      ? 'ok'
      : Number.isInteger(code) && code > 0
        ? `HTTP ${code} ${body}`.trim().slice(0, 200)
        : body.slice(0, 200) || 'no answer',
    activeState: props.get('ActiveState') || undefined,
    subState: props.get('SubState') || undefined,
    nRestarts: Number.isInteger(nRestarts) ? nRestarts : undefined,
    activeEnter,
    activeEnterSec: activeEnter ? parseUtcTimestampSec(activeEnter) : undefined,
    restartDelaySec: parseTimespanSec(props.get('RestartUSec') ?? '') ?? DEFAULT_RESTART_DELAY_SEC,
    nowSec: Number.isInteger(now) && now > 0 ? now : undefined,
  };
}

export type KubeletVerdict =
  { kind: 'healthy'; detail: string } | { kind: 'wait'; detail: string } | { kind: 'crash-looping'; detail: string };

/** How long the kubelet must have stayed up: longer than one restart cycle. */
export const stableSeconds = (sample: KubeletSample): number => sample.restartDelaySec + STABLE_MARGIN_SEC;

/**
 * `first` is the first sample of this watch, `current` the latest, `watchedSec` the time between them.
 * Restarted since the first sample: crash-looping (a healthy kubelet does not restart by itself).
 * Up (healthz ok, active) since longer than the restart delay plus a margin, by its activation time on
 * the node's clock or by what was watched: healthy. Otherwise keep watching.
 */
export function judgeKubelet(first: KubeletSample, current: KubeletSample, watchedSec: number): KubeletVerdict {
  const restarts = (x: KubeletSample): string => `${x.nRestarts ?? '?'}`;
  if (first.nRestarts !== undefined && current.nRestarts !== undefined && current.nRestarts > first.nRestarts)
    return {
      kind: 'crash-looping',
      detail: `systemd restarted it ${current.nRestarts - first.nRestarts} time(s) in ${Math.round(watchedSec)}s (NRestarts ${restarts(first)} -> ${restarts(current)})`,
    };
  if (first.activeEnter && current.activeEnter && first.activeEnter !== current.activeEnter)
    return {
      kind: 'crash-looping',
      detail: `it was started again while watched (ActiveEnterTimestamp ${first.activeEnter} -> ${current.activeEnter})`,
    };
  if (current.activeState !== 'active')
    return {
      kind: 'wait',
      detail: `kubelet.service is ${current.activeState ?? 'unknown'}${current.subState ? ` (${current.subState})` : ''}`,
    };
  if (!current.healthzOk) return { kind: 'wait', detail: `healthz on :10248: ${current.healthz}` };
  const upSec =
    current.activeEnterSec !== undefined && current.nowSec !== undefined
      ? current.nowSec - current.activeEnterSec
      : undefined;
  // Watched: only while it was already active and healthy at the first sample, with nothing changed.
  const watchedUp = first.activeState === 'active' && first.healthzOk ? watchedSec : 0;
  const stableFor = Math.max(upSec ?? 0, watchedUp);
  const need = stableSeconds(current);
  if (stableFor > need)
    return {
      kind: 'healthy',
      detail: `healthz ok, up ${Math.round(stableFor)}s without a restart (restart delay ${current.restartDelaySec}s)`,
    };
  return {
    kind: 'wait',
    detail: `up ${Math.round(stableFor)}s, not yet longer than its restart delay ${current.restartDelaySec}s + ${STABLE_MARGIN_SEC}s`,
  };
}
