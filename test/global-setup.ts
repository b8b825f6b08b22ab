// Builds the tool and the lab once before the tests: end-to-end tests run the real CLI and the
// lab runs its compiled node programs inside the simulated nodes. Type errors do not stop the
// emit (`npm run typecheck` is its own CI step), so a failed typecheck only warns here.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  if (process.env.KCR_SKIP_BUILD === '1') return;
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const res = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) process.stderr.write(`global-setup: tsc reported errors (files were still emitted):\n${res.stdout.slice(0, 2000)}\n`);
}
