// `inventory validate [FILE]` (or -i FILE, or $KCR_INVENTORY): loads and validates an inventory,
// connects to nothing.
import { UsageError, type InputError } from '../errors.js';
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

export async function inventoryValidate(
  file: string,
  io: CliIo,
  deps: Pick<CliDeps, 'loadInventory'>,
): Promise<number> {
  // Files on this machine (keys, known_hosts) are noted, not refused: the inventory is checked here
  // and may be used where the key lives. renew and check refuse them.
  const notes: InputError[] = [];
  const inv = await deps.loadInventory(file, { localFiles: 'collect', onLocalProblem: (p) => notes.push(p) });
  const hosts = inv.clusters.reduce((n, c) => n + c.masters.length + c.workers.length, 0);
  for (const note of notes) io.stderr.write(`note: ${note.oneLine()} (renew and check need it)\n`);
  io.stdout.write(`ok: ${inv.clusters.length} clusters, ${hosts} hosts\n`);
  return 0;
}
