// Modules by name. The caller builds the registry (the CLI from `src/modules/index.ts`, tests from
// their own modules) and passes it to the loader, which checks each task's module name and
// arguments against it, and to the runner, which looks the modules up in it.
import type { ModuleDefinition } from './types.js';

export interface ModuleRegistry {
  get(name: string): ModuleDefinition | undefined;
  /** All modules, sorted by name. */
  list(): ModuleDefinition[];
}

/** A registry of `defs`; two definitions under one name are a programming error. */
export function createRegistry(defs: readonly ModuleDefinition[]): ModuleRegistry {
  const modules = new Map<string, ModuleDefinition>();
  for (const def of defs) {
    if (modules.has(def.name)) throw new Error(`module "${def.name}" is registered twice`);
    modules.set(def.name, def);
  }
  const sorted = [...modules.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { get: (name) => modules.get(name), list: () => [...sorted] };
}
