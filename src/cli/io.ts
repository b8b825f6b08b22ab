// What the CLI talks to, injectable so tests can drive it without a process.
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { loadInventory } from '../inventory/load.js';
import type { LoggerOptions } from '../log.js';
import type { ModuleRegistry } from '../playbook/registry.js';
import type { runPlaybook } from '../playbook/runner.js';
import type { Transport } from '../transport/types.js';

export interface CliIo {
  stdout: Writable;
  /** Progress, prompts and errors. */
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT / SIGTERM (set up by main.ts). */
  signal?: AbortSignal;
}

export interface CliDeps {
  loadInventory: typeof loadInventory;
  runPlaybook: typeof runPlaybook;
  /** The modules playbooks may use. */
  modules: ModuleRegistry;
  /** Async so the SSH stack loads only for a run (not for --help or inventory validate). */
  createTransport(opts: { acceptNewHostKeys: boolean; logger: Logger }): Promise<Transport>;
  createLogger(opts: LoggerOptions): Logger;
  confirm(question: string, io: CliIo): Promise<boolean>;
}
