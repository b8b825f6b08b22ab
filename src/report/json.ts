// `--json`: the run summary as one JSON document (for stdout).
import type { Writable } from 'node:stream';
import type { RunSummary } from './types.js';

export function summaryToJson(summary: RunSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

export function writeJsonSummary(summary: RunSummary, out: Writable): void {
  out.write(summaryToJson(summary));
}
