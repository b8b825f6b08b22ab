// Log records for a person: pino's JSON lines, already redacted, turned into
// `warn [cluster/host] message (key value, ...)` on the terminal. JSON stays the format of --log-file.
import type { DestinationStream } from 'pino';

const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Fields the line shows elsewhere (level, prefix, message) or that a person does not need. */
const SHOWN_OR_NOISE = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'tool',
  'msg',
  'cluster',
  'host',
  'task',
  'module',
  'err',
]);

/** Records the step lines and the recap already tell (they would print every step twice with -v). */
const TOLD_BY_THE_REPORT = new Set(['task finished', 'run started', 'run finished']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

/** One pino JSON record as one line, or undefined when the report already says it. */
export function formatLogRecord(json: string): string | undefined {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  if (TOLD_BY_THE_REPORT.has(msg)) return undefined;
  const level = LEVEL_NAMES[rec.level as number] ?? String(rec.level);
  const where = [rec.cluster, rec.host].filter((x) => typeof x === 'string').join('/');
  const err = rec.err as { message?: string } | undefined;
  const fields = Object.entries(rec)
    .filter(([k]) => !SHOWN_OR_NOISE.has(k))
    .map(([k, v]) => `${k} ${value(v)}`);
  if (err?.message) fields.unshift(`error ${value(err.message)}`);
  return `${level}${where ? ` [${where}]` : ''} ${msg}${fields.length ? ` (${fields.join(', ')})` : ''}`;
}

/** A pino destination that writes formatted lines through `write` (stderr, or the live view's print). */
export function humanLogDestination(write: (text: string) => void): DestinationStream {
  return {
    write(chunk: string): void {
      for (const json of chunk.split('\n')) {
        if (!json.trim()) continue;
        const line = formatLogRecord(json);
        if (line !== undefined) write(`${line}\n`);
      }
    },
  };
}
