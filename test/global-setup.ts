// Embeds the node scripts, then builds the tool and the lab once before the tests: end-to-end tests
// run the real CLI and the lab runs its compiled node programs inside the simulated nodes. Type errors do not stop the
// emit (`npm run typecheck` is its own CI step), so a failed typecheck only warns here.
// After the tests, takes down every e2e lab this run brought up and left behind: a beforeAll that
// timed out while `lab up` was still running never got a Lab to take down in its afterAll.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default function setup(): () => void {
  const startedMs = Date.now();
  // Labs this run brings up carry its id in their folder's name (test/e2e/support/lab.ts), so the
  // teardown never takes down a lab that another vitest run on this machine is using.
  const runId = `r${process.pid}`;
  process.env.KCR_E2E_RUN_ID = runId;
  // The tests import src directly: its node scripts must be embedded first (see the tool's header).
  const embed = spawnSync(process.execPath, [path.join(root, 'scripts/embed-node-scripts.mjs')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (embed.status !== 0) throw new Error(`global-setup: embedding the node scripts failed:\n${embed.stderr}`);
  if (process.env.KCR_SKIP_BUILD !== '1') {
    const res = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      { cwd: root, encoding: 'utf8' },
    );
    if (res.status !== 0)
      process.stderr.write(
        `global-setup: tsc reported errors (files were still emitted):\n${res.stdout.slice(0, 2000)}\n`,
      );
  }
  return () => downLeftoverLabs(runId, startedMs);
}

/** Labs made by test/e2e/support/lab.ts (`kcr-e2e-<run id>-*` in the temp dir) during this run, still up. */
function downLeftoverLabs(runId: string, sinceMs: number): void {
  const labCli = path.join(root, 'dist/test/lab/cli.js');
  if (!existsSync(labCli)) return;
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith(`kcr-e2e-${runId}-`)) continue;
    const dir = path.join(os.tmpdir(), name);
    const state = path.join(dir, 'lab.json');
    if (!existsSync(state) || statSync(dir).ctimeMs < sinceMs) continue;
    const res = spawnSync(process.execPath, [labCli, 'status', '--dir', dir, '--json'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (res.status !== 0) continue; // already down
    process.stderr.write(`global-setup: taking down a lab a test left up: ${dir}\n`);
    spawnSync(process.execPath, [labCli, 'down', '--dir', dir], { encoding: 'utf8', timeout: 120_000 });
  }
}
