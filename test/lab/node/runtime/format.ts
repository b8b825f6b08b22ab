// Text formats the real tools use: klog lines, Go's time formats, docker's human durations and
// Go's tabwriter columns.
import fs from 'node:fs';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A klog header line: `I0118 17:33:58.888700 1457370 bootstrap.go:265] message`. */
export function klogLine(
  severity: 'I' | 'W' | 'E' | 'F',
  source: string,
  message: string,
  at = new Date(),
  pid = process.pid,
): string {
  const micros = pad(at.getMilliseconds() * 1000 + Math.floor(Math.random() * 1000), 6);
  const stamp = `${pad(at.getMonth() + 1)}${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${micros}`;
  return `${severity}${stamp} ${String(pid).padStart(7)} ${source}] ${message}`;
}

export function appendLine(file: string, line: string): void {
  fs.appendFileSync(file, `${line}\n`);
}

/** Go's time.Time.String() for a UTC time: `2020-12-06 18:55:55 +0000 UTC`. */
export function goTimeString(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** Go's RFC3339Nano (trailing zeros of the fraction dropped): what docker and crictl print. */
export function rfc3339Nano(iso: string | undefined): string {
  if (!iso) return '0001-01-01T00:00:00Z';
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return iso;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return frac ? `${m[1]}.${frac}Z` : `${m[1]}Z`;
}

/** Nanoseconds since the epoch as a decimal string (CRI timestamps). */
export function unixNanos(iso: string | undefined): string {
  if (!iso) return '0';
  return `${BigInt(Date.parse(iso)) * 1_000_000n}`;
}

/** github.com/docker/go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

export function ago(iso: string | undefined, now = Date.now()): string {
  return `${humanDuration(now - Date.parse(iso ?? new Date(now).toISOString()))} ago`;
}

/** Go's tabwriter as docker and crictl configure it (minwidth 20, padding 3); last column unpadded. */
export function tabulate(rows: string[][]): string {
  const width = (s: string): number => [...s].length;
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < columns - 1; c++) widths.push(Math.max(20, ...rows.map((r) => width(r[c] ?? '') + 3)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c < columns - 1 ? cell + ' '.repeat((widths[c] ?? 0) - width(cell)) : cell))
        .join('')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** docker's stringutils.Ellipsis. */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
