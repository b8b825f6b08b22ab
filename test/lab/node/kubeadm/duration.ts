// k8s.io/apimachinery/pkg/util/duration: ShortHumanDuration (kubeadm <= 1.30) and HumanDuration (1.31+).

/** Both functions tolerate 2 s of clock skew (machine time inconsistency) and mark older as invalid. */
function pastOrNow(seconds: number): string | null {
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  return null;
}

export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  const edge = pastOrNow(seconds);
  if (edge !== null) return edge;
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(seconds / 3600);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  const edge = pastOrNow(seconds);
  if (edge !== null) return edge;
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Go's time.ParseDuration for the h/m/s forms kubeadm configs use ("8760h0m0s"); null if invalid. */
export function parseGoDurationMs(text: string): number | null {
  const re = /(\d+(?:\.\d+)?)(h|m|s|ms)/g;
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(re)) {
    const unit = { h: 3600e3, m: 60e3, s: 1e3, ms: 1 }[match[2] as 'h' | 'm' | 's' | 'ms'];
    total += Number(match[1]) * unit;
    consumed += match[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Go layout "Jan 02, 2006 15:04 MST" in UTC. */
export function formatExpiry(date: Date): string {
  return `${MONTHS[date.getUTCMonth()]} ${pad2(date.getUTCDate())}, ${date.getUTCFullYear()} ${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())} UTC`;
}
