// Shared by the e2e tests that need one small cluster: a global cluster (so a tke/certs ConfigMap)
// with one docker master on 1.18.3; and a recursive listing of the files a run wrote locally.
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

/** Every file under `dir` (none when it does not exist). */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
