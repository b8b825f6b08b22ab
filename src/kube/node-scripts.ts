// Constant shell scripts run on the nodes as `sh -c <script> sh <args...>`. Each is a file in
// scripts/ (checked by sh -n and shellcheck), embedded at build time (scripts/embed-node-scripts.mjs);
// every value (paths, names) reaches them as a positional parameter, never spliced in.
// Each script gathers many facts in ONE round trip and prints sections `@@KCR <name> [<arg>]`.
// A header starts with a newline: a section that ends without one (a file `cat` without its final
// newline) must not swallow the next header. parseSections drops the blank lines this leaves.
import { RENEWAL_MARKER_NAME } from './paths.js';
import { NODE_SCRIPTS } from './scripts/embedded.gen.js';
import { withConstants } from './scripts/with-constants.js';

/** Splits the output of a sectioned script into { "name arg": body }. */
export function parseSections(output: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = (): void => {
    if (current !== undefined) sections.set(current, lines.join('\n').replace(/\n+$/, ''));
  };
  for (const line of output.split('\n')) {
    const m = /^@@KCR (.+)$/.exec(line);
    if (m) {
      flush();
      current = m[1]!.trim();
      lines = [];
    } else if (current !== undefined) lines.push(line);
  }
  flush();
  return sections;
}

/**
 * Node facts in one round trip (scripts/node-facts.sh, its files read by scripts/node-facts.awk).
 * Args: <kubernetesDir> <kubeadm install dir> <backup root> then the items of factsScriptItems().
 * Parsed by parseNodeFacts (node-facts.ts).
 */
export const NODE_FACTS_SCRIPT = withConstants(
  { facts_awk: NODE_SCRIPTS['node-facts.awk'], marker: RENEWAL_MARKER_NAME },
  NODE_SCRIPTS['node-facts.sh'],
);

/** etcd's JSON gateway at /v3, or /v3beta on etcd 3.3 (scripts/etcd-gateway.sh): put in front of its users. */
const withEtcdGateway = (script: string): string => `${NODE_SCRIPTS['etcd-gateway.sh']}\n${script}`;

/** Control-plane health from one master (scripts/health.sh). Args: <kubernetesDir> [etcd client URLs...]. */
export const HEALTH_SCRIPT = withEtcdGateway(NODE_SCRIPTS['health.sh']);

/** What a master serves, for `check` (scripts/served-facts.sh). Args: <kubernetesDir> <docker|crictl|none>. */
export const SERVED_FACTS_SCRIPT = NODE_SCRIPTS['served-facts.sh'];

/** Hands etcd leadership away before a restart (scripts/etcd-move-leader.sh). Args: <kubernetesDir>.
 *  Prints `moved <from> <to>`, `not-leader`, or `error <detail>`. */
export const ETCD_MOVE_LEADER_SCRIPT = withEtcdGateway(NODE_SCRIPTS['etcd-move-leader.sh']);
