// `inventory validate FILE`: loads and validates an inventory, connects to nothing.
import type { CliDeps, CliIo } from './io.js';

export async function inventoryValidate(
  file: string,
  io: CliIo,
  deps: Pick<CliDeps, 'loadInventory'>,
): Promise<number> {
  const inv = await deps.loadInventory(file);
  const hosts = inv.clusters.reduce((n, c) => n + c.masters.length + c.workers.length, 0);
  io.stdout.write(`ok: ${inv.clusters.length} clusters, ${hosts} hosts\n`);
  return 0;
}
