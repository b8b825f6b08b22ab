// The --playbook of `renew` and `check`: a file, or in a bundled build the embedded default
// (bundle-info.ts), so the single executable needs no playbooks/ folder beside it.
import { loadPlaybook, parsePlaybook } from '../playbook/load.js';
import type { ModuleRegistry } from '../playbook/registry.js';
import type { Playbook } from '../playbook/types.js';
import { embeddedPlaybook } from './bundle-info.js';

export async function loadCliPlaybook(file: string, modules: ModuleRegistry): Promise<Playbook> {
  const text = embeddedPlaybook(file);
  // Named as given: resolving it against the working folder would invent a path that does not exist.
  return text === undefined ? loadPlaybook(file, modules) : { ...parsePlaybook(text, file, modules), file };
}
