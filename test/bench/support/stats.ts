// Median, min and max of a few runs: the machine is shared, so one run says little.

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('no values to summarise');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length };
}

/** "12.3 s (11.9-14.0)" */
export function secondsText(s: Spread): string {
  const f = (ms: number): string => (ms / 1000).toFixed(1);
  return `${f(s.median)} s (${f(s.min)}-${f(s.max)})`;
}

export function mbText(kb: number): string {
  return `${(kb / 1024).toFixed(0)} MB`;
}

/** Least-squares line through (n, ms): the per-node cost (slope, ms) and the fixed cost (intercept, ms). */
export function fitLine(
  points: readonly { n: number; ms: number }[],
): { perNodeMs: number; fixedMs: number } | undefined {
  if (points.length < 2) return undefined;
  const k = points.length;
  const mn = points.reduce((a, p) => a + p.n, 0) / k;
  const mm = points.reduce((a, p) => a + p.ms, 0) / k;
  const sxx = points.reduce((a, p) => a + (p.n - mn) ** 2, 0);
  if (sxx === 0) return undefined;
  const sxy = points.reduce((a, p) => a + (p.n - mn) * (p.ms - mm), 0);
  const perNodeMs = sxy / sxx;
  return { perNodeMs, fixedMs: mm - perNodeMs * mn };
}
