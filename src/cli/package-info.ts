// Where the package is installed (for the bundled playbooks) and its version. Works from src/
// (tests) and from dist/src/ (the built bin) by walking up to our package.json; a bundled build
// (npm package, single executable) carries both inside (bundle-info.ts) and reads no file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleInfo, EMBEDDED_PLAYBOOK_PREFIX } from './bundle-info.js';

let cached: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kube-cert-renew') return (cached = { root: dir, version: pkg.version ?? '0.0.0' });
    }
    const parent = path.dirname(dir);
    if (parent === dir) return (cached = { root: process.cwd(), version: '0.0.0' });
    dir = parent;
  }
}

export const packageRoot = (): string => find().root;
export const packageVersion = (): string => bundleInfo?.version ?? find().version;
/** A playbook shipped with the package, e.g. `bundledPlaybook('renew.yaml')`. */
export const bundledPlaybook = (name: string): string =>
  bundleInfo ? `${EMBEDDED_PLAYBOOK_PREFIX}${name}` : path.join(packageRoot(), 'playbooks', name);
