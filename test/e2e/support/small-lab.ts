// Shared by the e2e tests that need a small lab: a global cluster (so a tke/certs ConfigMap) with
// one docker master on 1.18.3; the fault matrix's 3-master cluster; and a recursive listing of the
// files a run wrote locally.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const ONE_MASTER_GLOBAL = `
clusters:
  - name: g
    type: global
    kubernetesVersion: "1.18.3"
    runtime: docker
    masters: 1
`;
/** Its only node. */
export const ONE_MASTER_NODE = 'g-m1';

/**
 * Cluster `ha`: 3 docker masters on 1.18.3 (etcd keeps quorum while one member restarts), and with
 * `solo` a second cluster `solo`: one containerd master on 1.21.4. Certificates `certAgeDays` old:
 * 340 leaves 25 days (due under the default 30-day threshold, a renewed master is not); 30 leaves
 * nothing due (a run needs --force).
 */
export function haTopology(certAgeDays: number, opts: { solo?: boolean } = {}): string {
  const cluster = (name: string, version: string, runtime: string, masters: number): string =>
    `  - name: ${name}\n    kubernetesVersion: "${version}"\n    runtime: ${runtime}\n    masters: ${masters}\n    certAgeDays: ${certAgeDays}\n`;
  return `\nclusters:\n${cluster('ha', '1.18.3', 'docker', 3)}${opts.solo ? cluster('solo', '1.21.4', 'containerd', 1) : ''}`;
}

/** Every file under `dir` (none when it does not exist). */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}
