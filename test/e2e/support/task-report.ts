// The task records of the tool's JSON report (`renew --json`), as the e2e tests read them.

export interface TaskReport {
  host: string;
  module: string;
  status: string;
  message: string;
}

/** Every task of every host in `renew --json` output. */
export function reportTasks(json: string): TaskReport[] {
  return (JSON.parse(json) as { clusters: { hosts: { tasks: TaskReport[] }[] }[] }).clusters.flatMap((c) =>
    c.hosts.flatMap((h) => h.tasks),
  );
}

/** The hosts whose certificates kubeadm renewed (kubeadm_renew changed), sorted. */
export const renewedHosts = (tasks: TaskReport[]): string[] =>
  tasks
    .filter((t) => t.module === 'kubeadm_renew' && t.status === 'changed')
    .map((t) => t.host)
    .sort();
