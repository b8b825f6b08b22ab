// `inventory validate [FILE]` (or -i FILE, or $KCR_INVENTORY): loads and validates an inventory,
// connects to nothing.
import { UsageError, type InputError } from '../errors.js';
import type { Inventory } from '../inventory/types.js';
import type { CliDeps, CliIo } from './io.js';

/** The inventory named by the argument or by --inventory (the same file twice is fine). */
export function inventoryFile(argument: string | undefined, flag: string | undefined): string {
  if (argument !== undefined && flag !== undefined && argument !== flag)
    throw new UsageError(`two inventories given: ${argument} and --inventory ${flag}`, 'give one');
  const file = argument ?? flag;
  if (file === undefined)
    throw new UsageError('no inventory given', 'write the file, or --inventory FILE, or set KCR_INVENTORY');
  return file;
}

/**
 * Loads `file`, noting on stderr (not refusing) what this machine lacks (keys, known_hosts, the
 * agent): the inventory may be checked here and used where the key lives. renew and check refuse them.
 */
export async function loadNotingLocalFiles(
  file: string,
  io: CliIo,
  deps: Pick<CliDeps, 'loadInventory'>,
): Promise<Inventory> {
  const notes: InputError[] = [];
  const inv = await deps.loadInventory(file, { localFiles: 'collect', onLocalProblem: (p) => notes.push(p) });
  for (const note of notes) io.stderr.write(`note: ${note.oneLine()} (renew and check refuse this)\n`);
  return inv;
}

export async function inventoryValidate(
  file: string,
  io: CliIo,
  deps: Pick<CliDeps, 'loadInventory'>,
): Promise<number> {
  const inv = await loadNotingLocalFiles(file, io, deps);
  const hosts = inv.clusters.reduce((n, c) => n + c.masters.length + c.workers.length, 0);
  io.stdout.write(`ok: ${inv.clusters.length} clusters, ${hosts} hosts\n`);
  return 0;
}
