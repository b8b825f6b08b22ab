// `--json`: the run summary as one JSON document (for stdout).
import type { Writable } from 'node:stream';
import type { RunSummary } from '../playbook/results.js';

/** The summary, with each host's backup directory and certificates lifted beside its status. */
export function summaryToJson(summary: RunSummary): string {
  const clusters = summary.clusters.map((c) => ({
    ...c,
    hosts: c.hosts.map(({ cluster, host, role, status, ...rest }) => ({
      cluster,
      host,
      role,
      status,
      backupDir: rest.data.backupDir ?? null,
      certificates: rest.data.certificates ?? [],
      ...rest,
    })),
  }));
  return `${JSON.stringify({ ...summary, clusters }, null, 2)}\n`;
}

export function writeJsonSummary(summary: RunSummary, out: Writable): void {
  out.write(summaryToJson(summary));
}
