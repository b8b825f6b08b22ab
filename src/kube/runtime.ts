// Container runtimes as data (kubeadm-facts.md §7): how to find, remove and inspect the static pod
// containers with docker or crictl. Modules detect the runtime actually in use; never assume.
export type RuntimeName = 'docker' | 'containerd';

export const CONTROL_PLANE_COMPONENTS = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'etcd',
] as const;
export type ControlPlaneComponent = (typeof CONTROL_PLANE_COMPONENTS)[number];

export interface RuntimeCommands {
  cli: string;
  /** Running container ids of a static pod container (by the kubelet's label). */
  listIds(component: string): string[];
  remove(ids: string[]): string[];
  /** Prints the container's start time; parse with `parseStartedAt`. */
  inspect(id: string): string[];
  parseStartedAt(output: string): Date | undefined;
}

const label = (component: string): string => `io.kubernetes.container.name=${component}`;

export const RUNTIMES: Record<RuntimeName, RuntimeCommands> = {
  docker: {
    cli: 'docker',
    listIds: (c) => ['docker', 'ps', '-q', '--no-trunc', '-f', `label=${label(c)}`],
    remove: (ids) => ['docker', 'rm', '-f', ...ids],
    inspect: (id) => ['docker', 'inspect', '-f', '{{.State.StartedAt}}', id],
    parseStartedAt: (out) => validDate(out.trim()),
  },
  containerd: {
    cli: 'crictl',
    listIds: (c) => ['crictl', 'ps', '-q', '--label', label(c)],
    remove: (ids) => ['crictl', 'rm', '-f', ...ids],
    inspect: (id) => ['crictl', 'inspect', id],
    parseStartedAt: (out) => {
      try {
        const doc = JSON.parse(out) as { status?: { startedAt?: string } };
        return validDate(doc.status?.startedAt ?? '');
      } catch {
        return undefined;
      }
    },
  },
};

function validDate(text: string): Date | undefined {
  if (!text) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) || d.getTime() <= 0 ? undefined : d;
}

/** Splits `docker ps -q` / `crictl ps -q` output into ids, refusing anything that is not an id. */
export function parseIds(output: string): string[] | undefined {
  const ids = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return ids.every((id) => /^[0-9a-f]{12,64}$/.test(id)) ? ids : undefined;
}
