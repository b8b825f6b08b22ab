// Duration flags: `500ms`, `90s`, `15m`, `12h`, `30d` -> milliseconds. A unit is required: a bare
// number would be ambiguous between seconds and days.
import { InvalidArgumentError } from 'commander';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration; returns undefined when the text is not one. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** A commander argument parser for a duration flag. */
export function durationOption(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined)
    throw new InvalidArgumentError(`"${text}" is not a duration; write e.g. 500ms, 90s, 15m, 12h or 30d.`);
  return ms;
}

export function positiveIntOption(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${text}" is not a whole number of 1 or more.`);
  return n;
}

/** Collects a repeatable flag into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
