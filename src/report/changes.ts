// Per master, in words: the plan of a dry run (due or not and why, what a real run would do) and,
// after a real run, what changed (certificates and their new end, backup, restarts, TKE pods).
import type { ClusterSummary, HostSummary, RunSummary, TaskRecord } from '../playbook/results.js';
import type { CertChange } from '../kube/cert-lines.js';
import { formatInstant, table } from './format.js';
import { dueVerdict, hostOutcome, plannedChanges, realChanges } from './outcome.js';

const INDENT = '  ';

/** Rows of (cluster, who, what) as columns; a cluster and a host are named on their first row only. */
function block(title: string, rows: [string, string, string][]): string[] {
  if (rows.length === 0) return [];
  const named = rows.map(([cluster, who, what], i) => {
    const prev = rows[i - 1];
    return [INDENT + (prev?.[0] === cluster ? '' : cluster), prev?.[0] === cluster && prev[1] === who ? '' : who, what];
  });
  return [title, ...table(named)];
}

/** Whether a cluster went down the recovery path (certificates already expired). */
function pathNote(c: ClusterSummary): [string, string, string][] {
  return c.data.path === 'expired-recovery'
    ? [[c.cluster, '', 'certificates already expired: recovery path (renew every master, then restart them)']]
    : [];
}

/** What a real run would do on this host, shortest words first. */
function wouldDo(r: TaskRecord): string {
  if (r.module === 'kubeadm_renew') {
    const certs = (r.data?.certificates ?? []) as { notAfterExpected?: string }[];
    const end = certs[0]?.notAfterExpected;
    return `renew ${certs.length} certificates${end ? ` (new end about ${end.slice(0, 10)})` : ''}`;
  }
  return r.message.replace(/^would /, '');
}

/** The dry run's plan: per master, due or not and why; for a due one what a real run would do. */
export function planLines(summary: RunSummary): string[] {
  const rows: [string, string, string][] = [];
  for (const c of summary.clusters) {
    rows.push(...pathNote(c));
    for (const h of c.hosts) {
      const verdict = dueVerdict(h);
      const outcome = hostOutcome(h);
      if (h.role === 'master' && verdict?.reason) rows.push([c.cluster, h.host, verdict.reason]);
      else if (outcome !== 'ok' && outcome !== 'would change')
        rows.push([c.cluster, h.host, outcome + (h.failure ? ` at "${h.failure.task}"` : '')]);
      const planned = plannedChanges(h);
      if (planned.length) {
        const backs = h.tasks.some((t) => t.module === 'backup' && t.status === 'would-change');
        rows.push([c.cluster, h.host, `would ${[...(backs ? ['back up'] : []), ...planned.map(wouldDo)].join(', ')}`]);
      }
    }
  }
  return block('Plan (nothing was changed):', rows);
}

/** `10 certificates renewed, now until 2027-12-03 07:52 UTC` (the earliest new end). */
function renewedCerts(certs: CertChange[]): string | undefined {
  const renewed = certs.filter((c) => c.notAfterAfter && c.serialAfter !== c.serialBefore);
  if (renewed.length === 0) return undefined;
  const until = renewed.map((c) => c.notAfterAfter!).sort()[0]!;
  return `${renewed.length} certificates renewed, now until ${formatInstant(until)}`;
}

function hostChanges(h: HostSummary): string[] {
  const outcome = hostOutcome(h);
  const lines: string[] = [];
  if (outcome === 'failed, rolled back' || h.data.rolledBackFrom) {
    lines.push(
      `rolled back from ${h.data.rolledBackFrom ?? h.data.backupDir ?? 'its backup'}: certificates as before the run`,
    );
  } else if (h.data.certificates) {
    const certs = renewedCerts(h.data.certificates);
    if (certs) lines.push(certs);
  }
  if (h.data.backupDir && !h.data.rolledBackFrom) lines.push(`backup ${h.data.backupDir}`);
  const restarted = Object.keys(h.data.restartedAt ?? {});
  if (restarted.length) lines.push(`restarted ${restarted.join(', ')}`);
  if (outcome === 'half renewed') lines.push('half renewed (in-progress mark set): run renew again to finish');
  // Other changes (kubelet client certificate, kubeadm provisioned, tke/certs updated) in their own words.
  const covered = new Set([
    'kubeadm_renew',
    'kubeconfigs',
    'restart_control_plane',
    'restore_backup',
    'restart_tke_apis',
  ]);
  for (const r of realChanges(h)) if (!covered.has(r.module)) lines.push(r.message);
  return lines;
}

/** After a real run: per master what changed, then per cluster the TKE pods recreated. Empty when nothing changed. */
export function changeLines(summary: RunSummary): string[] {
  const rows: [string, string, string][] = [];
  for (const c of summary.clusters) {
    rows.push(...pathNote(c).filter(() => c.hosts.some((h) => hostChanges(h).length)));
    for (const h of c.hosts) for (const line of hostChanges(h)) rows.push([c.cluster, h.host, line]);
    const pods = c.data.tkeApisRestarted ?? [];
    if (pods.length) rows.push([c.cluster, '', `TKE API pods recreated: ${pods.join(', ')}`]);
  }
  return block('What changed:', rows);
}

/** One line when a cluster stops early: who stopped it, how its rescue went, who was not reached, what to do. */
export function clusterStopLine(c: ClusterSummary): string | undefined {
  if (c.status !== 'failed' && c.status !== 'unreachable' && c.status !== 'stopped') return undefined;
  const culprit = c.hosts.find((h) => h.status === 'failed' || h.status === 'unreachable');
  const parts: string[] = [];
  let advice = 'run renew again to finish';
  if (culprit?.failure) {
    const outcome = hostOutcome(culprit);
    const rescue =
      outcome === 'failed, rolled back'
        ? `, rolled back from ${culprit.data.rolledBackFrom ?? 'its backup'}`
        : outcome === 'failed, rollback failed'
          ? ', and its rollback failed'
          : '';
    parts.push(`${culprit.host} ${culprit.status} at "${culprit.failure.task}"${rescue}`);
    advice =
      culprit.status === 'unreachable'
        ? `check SSH to ${culprit.host}, then run renew again`
        : outcome === 'failed, rollback failed'
          ? `restore ${culprit.host} by hand from ${culprit.data.backupDir ?? 'its backup'} (docs/runbook.md)`
          : 'fix the cause, then run renew again';
  } else parts.push('interrupted (Ctrl-C): no new step started');
  const half = c.hosts.filter((h) => hostOutcome(h) === 'half renewed').map((h) => h.host);
  if (half.length) parts.push(`${half.join(', ')} half renewed (in-progress mark set)`);
  const notReached = c.hosts.filter((h) => h.role === 'master' && hostOutcome(h) === 'not reached').map((h) => h.host);
  if (notReached.length) parts.push(`${notReached.join(', ')} not reached`);
  return `[${c.cluster}] ${c.status}: ${parts.join('; ')}: ${advice}`;
}
