// The confirmation asked before a run that may change hosts: the plan, then a y/N question.
import { createInterface } from 'node:readline/promises';
import type { Inventory } from '../inventory/types.js';
import type { Playbook } from '../playbook/types.js';
import type { CliIo } from './io.js';

/** The clusters and hosts in the order they will be worked on, and how. */
export function describePlan(inv: Inventory, playbook: Playbook, forks: number): string[] {
  const lines = [`"${playbook.name}" on ${inv.clusters.length} cluster(s), up to ${forks} at once:`];
  for (const c of inv.clusters) {
    const masters = c.masters.map((h) => h.name).join(', ') || '-';
    const workers = c.workers.length ? `; workers: ${c.workers.map((h) => h.name).join(', ')}` : '';
    lines.push(`  ${c.name} (${c.type}): masters in this order: ${masters}${workers}`);
  }
  for (const p of playbook.plays) {
    const how = p.once
      ? 'one host per cluster'
      : p.serial
        ? `${p.serial} host(s) of a cluster at a time`
        : 'all hosts of a cluster at once';
    lines.push(`  play "${p.name}": ${p.hosts}, ${how}${p.when ? `, when ${p.when}` : ''}`);
  }
  return lines;
}

/** Asks on the terminal; only "y" or "yes" proceeds. */
export async function askYesNo(question: string, io: CliIo): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    const answer = await rl.question(`${question} [y/N] `, io.signal ? { signal: io.signal } : {});
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch {
    return false;
  } finally {
    rl.close();
  }
}
