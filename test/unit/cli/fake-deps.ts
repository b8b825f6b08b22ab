// What the CLI tests give `runCli`: deps over a fake inventory and transport with the real runner,
// and a one-task playbook file.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { defaultDeps, type CliDeps } from '../../../src/cli/program.js';
import { runPlaybook, type RunPlaybookParams } from '../../../src/playbook/runner.js';
import { fakeTransport, inventory } from '../playbook/helpers.js';

/**
 * Deps with the inventory global (m1, m2, a global cluster) and edge (m3), the in-memory transport,
 * no logging, a "no" to every confirmation, and the real runner. Records the inventory files loaded
 * in `files` and what each run was given in `runs`.
 */
export function fakeCliDeps(runs: RunPlaybookParams[] = [], files: string[] = []): CliDeps {
  return {
    ...defaultDeps,
    loadInventory: async (file) => {
      files.push(file);
      return inventory({ global: ['m1', 'm2'], edge: ['m3'] }, { global: 'global' });
    },
    createTransport: async () => fakeTransport(),
    createLogger: () => pino({ level: 'silent' }),
    confirm: async () => false,
    runPlaybook: async (p) => {
      runs.push(p);
      return runPlaybook(p);
    },
  };
}

/** Writes pb.yaml into `dir`: one play over the masters, serial 1, asserting each host is a master. Its path. */
export async function writeAssertPlaybook(dir: string): Promise<string> {
  const file = path.join(dir, 'pb.yaml');
  await writeFile(
    file,
    'name: Test\nplays:\n  - name: p\n    hosts: masters\n    serial: 1\n    tasks:\n      - module: assert\n        args: { that: "host.role == \\"master\\"" }\n',
  );
  return file;
}
