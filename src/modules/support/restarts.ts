// Reads, on one master, whether each control-plane component started after its credential files
// last changed (kube/restart-proof.ts), in one round trip.
import type { Remote } from '../../playbook/remote.js';
import type { NodeFacts } from '../../kube/node-facts.js';
import { KUBERNETES_DIR } from '../../kube/paths.js';
import { componentStartItems, judgeRestarts, type ComponentRestart } from '../../kube/restart-proof.js';
import { RUNTIMES, type ControlPlaneComponent } from '../../kube/runtime.js';
import { COMPONENT_STARTS_SCRIPT } from '../../kube/scripts/components.js';

/** The components a master runs: etcd only where it is stacked. */
export function mastersComponents(stackedEtcd: boolean): ControlPlaneComponent[] {
  const all: ControlPlaneComponent[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
  return stackedEtcd ? all : all.filter((c) => c !== 'etcd');
}

export async function readRestarts(
  remote: Remote,
  runtime: NodeFacts['runtime'],
  components: readonly ControlPlaneComponent[],
): Promise<ComponentRestart[]> {
  const rt = runtime ? RUNTIMES[runtime] : undefined;
  const res = await remote.sh(
    COMPONENT_STARTS_SCRIPT,
    [KUBERNETES_DIR, rt?.cli ?? 'none', 'full', ...componentStartItems(components)],
    {
      step: 'restart proof',
      timeoutMs: 60_000,
    },
  );
  return judgeRestarts(res.stdout, components, (text) => rt?.parseStartedAt(text));
}

/** One line per component still running on credentials older than its files. */
export function notRestartedProblems(restarts: readonly ComponentRestart[]): string[] {
  return restarts
    .filter((r) => r.verdict === 'not-restarted')
    .map((r) => `${r.component} not restarted since its credentials changed: ${r.detail}`);
}
