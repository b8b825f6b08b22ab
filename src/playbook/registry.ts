// Modules by name. Built-in modules are listed in `src/modules/index.ts`; the loader checks a task's
// module name and arguments against this registry when the playbook loads.
import type { ModuleDefinition } from './types.js';

const modules = new Map<string, ModuleDefinition>();

/** Registers a module; a second, different definition under the same name is a programming error. */
export function registerModule<A>(def: ModuleDefinition<A>): void {
  const existing = modules.get(def.name);
  if (existing && existing !== (def as ModuleDefinition)) throw new Error(`module "${def.name}" is registered twice`);
  modules.set(def.name, def as ModuleDefinition);
}

export function getModule(name: string): ModuleDefinition | undefined {
  return modules.get(name);
}

/** All registered modules, sorted by name. */
export function listModules(): ModuleDefinition[] {
  return [...modules.values()].sort((a, b) => a.name.localeCompare(b.name));
}
