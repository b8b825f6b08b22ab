// Checks shared by the fault-matrix tests: the tool's JSON report, and a master's consistency judged
// on the node (loaded = disk, certificates match their keys, backups verify) and by `lab status`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot, type Lab, type LabStatus, type RunResult } from './lab.js';
import { diskSerials, loadedSerials } from './node-files.js';

export interface ReportTask {
  task: string;
  status: string;
  message: string;
  phase: string;
}
export interface ReportHost {
  host: string;
  status: string;
  failure?: { task: string; message: string };
  data: Record<string, unknown>;
  tasks: ReportTask[];
}
export interface Report {
  exitCode: number;
  interrupted: boolean;
  clusters: { cluster: string; status: string; stoppedReason?: string; hosts: ReportHost[] }[];
}

export function parseReport(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

export function reportHost(report: Report, host: string): ReportHost {
  const h = report.clusters.flatMap((c) => c.hosts).find((x) => x.host === host);
  if (!h) throw new Error(`${host} not in the report`);
  return h;
}

/** The records of a task (by name) that actually ran on a host (not skipped). */
export function ran(h: ReportHost, task: string): ReportTask[] {
  return h.tasks.filter((t) => t.task === task && t.status !== 'skipped');
}

export const TASK = {
  preflight: 'Check the master can be renewed safely',
  backup: 'Back up certificates, kubeconfigs and etcd',
  renew: 'Renew certificates with kubeadm',
  kubeconfig: 'Check and copy kubeconfigs',
  restart: 'Restart etcd, API server, controller-manager, scheduler',
  wait: 'Wait until the cluster is healthy and serves the new certificates',
} as const;

/** Certificates (files and kubeconfigs) that do not match their private key, on the node. */
export async function keyMismatches(lab: Lab, node: string): Promise<string[]> {
  const script = `cd /etc/kubernetes || exit 1
for c in pki/*.crt pki/etcd/*.crt; do k="\${c%.crt}.key"; [ -f "$k" ] || continue
  a=$(openssl x509 -in "$c" -noout -pubkey | sha256sum); b=$(openssl pkey -in "$k" -pubout | sha256sum)
  [ "$a" = "$b" ] || echo "$c"; done
for f in admin.conf controller-manager.conf scheduler.conf; do [ -f "$f" ] || continue
  a=$(sed -n 's/^ *client-certificate-data: *//p' "$f" | base64 -d | openssl x509 -noout -pubkey | sha256sum)
  b=$(sed -n 's/^ *client-key-data: *//p' "$f" | base64 -d | openssl pkey -pubout | sha256sum)
  [ "$a" = "$b" ] || echo "$f"; done`;
  const res = await lab.exec(node, ['sh', '-c', script]);
  if (res.code !== 0) throw new Error(`${node}: key check failed: ${res.stderr}`);
  return res.stdout.split('\n').filter(Boolean);
}

/** Backup folders on the node whose SHA256SUMS do not verify (or are missing). */
export async function badBackups(lab: Lab, node: string): Promise<string[]> {
  const script =
    'for d in /var/lib/kube-cert-renew/backups/*/; do [ -d "$d" ] || continue; ( cd "$d" && sha256sum -c --quiet SHA256SUMS ) >/dev/null 2>&1 || echo "$d"; done';
  const res = await lab.exec(node, ['sh', '-c', script]);
  return res.stdout.split('\n').filter(Boolean);
}

/** The newest of the node's backup directories (their names start with a UTC stamp), or ''. A count
 *  would not do: --keep-backups prunes the oldest after a renewal. */
export async function newestBackup(lab: Lab, node: string): Promise<string> {
  const res = await lab.exec(node, [
    'sh',
    '-c',
    'ls -1d /var/lib/kube-cert-renew/backups/*/ 2>/dev/null | sort | tail -n 1',
  ]);
  return res.stdout.trim();
}

/** Every master of the cluster: API server healthy, every component running; etcd quorum. */
export function clusterProblems(status: LabStatus, cluster: string): string[] {
  const c = status.clusters.find((x) => x.name === cluster);
  if (!c) return [`${cluster} not in status`];
  const bad: string[] = [];
  if (!c.etcd.quorum) bad.push(`${cluster}: no etcd quorum`);
  if (c.etcd.healthy !== c.etcd.total) bad.push(`${cluster}: ${c.etcd.healthy}/${c.etcd.total} etcd members healthy`);
  for (const n of c.nodes.filter((x) => x.role === 'master')) {
    for (const [name, comp] of Object.entries(n.components))
      if (!comp.running || comp.healthy === false) bad.push(`${n.name}: ${name} not running/healthy`);
  }
  return bad;
}

/** Polls `lab status` (bounded) until the cluster has no problem; returns the last status. */
export async function settledStatus(lab: Lab, cluster: string, timeoutMs = 120_000): Promise<LabStatus> {
  const deadline = Date.now() + timeoutMs;
  let status = await lab.status();
  while (clusterProblems(status, cluster).length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    status = await lab.status();
  }
  return status;
}

/** What is wrong with a master: components not on the certificate on disk, keys not matching. */
export async function masterInconsistencies(lab: Lab, status: LabStatus, node: string): Promise<string[]> {
  const bad: string[] = [];
  const loaded = loadedSerials(status, node);
  const disk = await diskSerials(lab, node);
  for (const [component, serial] of Object.entries(disk))
    if (loaded[component] !== serial)
      bad.push(`${node}: ${component} loaded ${loaded[component]} but disk has ${serial}`);
  for (const f of await keyMismatches(lab, node)) bad.push(`${node}: ${f} does not match its key`);
  for (const d of await badBackups(lab, node)) bad.push(`${node}: backup ${d} fails its checksums`);
  return bad;
}

/** The tool as a child process the test can signal, with its stderr watched line by line. */
export function spawnTool(
  args: string[],
  onStderrLine: (line: string, child: ReturnType<typeof spawn>) => void,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist/src/cli/main.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onStderrLine(line, child);
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, stderr }));
  });
}
