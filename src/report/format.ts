// Small text helpers shared by the writers.

/** `850ms`, `1.2s`, `3m04s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** Lays out rows as aligned columns (the last column is not padded). */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** Seconds left as days for operators: `335d`, `2.5d` (a decimal only where it matters), `expired 3d ago`. */
export function formatDays(seconds: number): string {
  const d = Math.abs(seconds) / 86400;
  const text = d >= 10 ? `${Math.round(d)}d` : `${Number(d.toFixed(1))}d`;
  return seconds < 0 ? `expired ${text} ago` : text;
}

/** An ISO instant as `2027-12-03 07:52 UTC`: minutes are what an operator compares. */
export function formatInstant(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Text cut in the middle when longer than `max`: the start says what failed, the end what to do. */
export function middleEllipsis(text: string, max: number): string {
  if (text.length <= max) return text;
  const tail = Math.floor(max / 3);
  return `${text.slice(0, max - tail - 1)}…${text.slice(text.length - tail)}`;
}
