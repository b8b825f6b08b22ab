// Playbook YAML -> Playbook. Every problem is one InputError naming file:line:col: YAML syntax, the
// file format, an unknown module, a module's arguments (checked with its own zod schema) and the
// syntax of each `when` / `until` condition. Reading, YAML and zod messages use src/yaml.
import path from 'node:path';
import { isScalar } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { suggestionHint } from '../yaml/closest.js';
import { inputErrorAt, positionOf, type Position, type YamlPath } from '../yaml/positions.js';
import { parseYamlFile, parseYamlText, type YamlSource } from '../yaml/source.js';
import { validateYaml, zodIssuesToInputError } from '../yaml/zod-issues.js';
import { ConditionSyntaxError, parseCondition } from './condition.js';
import type { ModuleRegistry } from './registry.js';
import { DEFAULT_DELAY_SECONDS, DEFAULT_UNTIL_RETRIES, rawPlaybookSchema, type RawTask } from './schema.js';
import type { Play, Playbook, Task } from './types.js';

const CONDITION_HINT = 'conditions are described in docs/playbooks.md';

/** Reads and validates a playbook file. Throws InputError (exit code 4). */
export async function loadPlaybook(file: string, modules: ModuleRegistry): Promise<Playbook> {
  return fromSource(await parseYamlFile(file), modules);
}

/** Validates playbook text; `file` names it in errors. */
export function parsePlaybook(text: string, file: string, modules: ModuleRegistry): Playbook {
  return fromSource(parseYamlText(file, text), modules);
}

function fromSource(source: YamlSource, modules: ModuleRegistry): Playbook {
  const raw = validateYaml(source, rawPlaybookSchema);
  const plays: Play[] = raw.plays.map((p, i) => {
    const at = ['plays', i];
    const tasks = (key: 'tasks' | 'rescue' | 'always'): Task[] =>
      (p[key] ?? []).map((t, j) => toTask(source, modules, t, [...at, key, j]));
    return {
      name: p.name,
      hosts: p.hosts,
      serial: p.serial,
      once: p.once ?? false,
      when: checkedCondition(source, p.when, [...at, 'when']),
      tasks: tasks('tasks'),
      rescue: tasks('rescue'),
      always: tasks('always'),
    };
  });
  return { file: path.resolve(source.file), name: raw.name, plays };
}

function toTask(source: YamlSource, modules: ModuleRegistry, t: RawTask, at: YamlPath): Task {
  const module = modules.get(t.module);
  if (!module) {
    const known = modules.list().map((m) => m.name);
    throw inputErrorAt(
      source,
      [...at, 'module'],
      `unknown module ${JSON.stringify(t.module)}`,
      suggestionHint(t.module, known, 'modules'),
    );
  }
  const argsPath = [...at, 'args'];
  const args = module.args.safeParse(t.args ?? {});
  if (!args.success) {
    // Issues are relative to `args`; re-root them so positions and "did you mean" work file-wide.
    const issues = args.error.issues.map((issue) => ({ ...issue, path: [...argsPath, ...issue.path] }));
    const e = zodIssuesToInputError(source, new z.ZodError(issues), nestAt(argsPath, module.args));
    throw new InputError(`module "${module.name}": ${e.message}`, e.context, e.hint);
  }
  const retries = t.retries ?? (t.until ? DEFAULT_UNTIL_RETRIES : 0);
  const pos = positionOf(source, at);
  return {
    name: t.name ?? t.module,
    module: t.module,
    args: args.data,
    when: checkedCondition(source, t.when, [...at, 'when']),
    register: t.register,
    retries,
    delayMs: (t.delay ?? DEFAULT_DELAY_SECONDS) * 1000,
    until: checkedCondition(source, t.until, [...at, 'until']),
    timeoutMs: t.timeout === undefined ? undefined : t.timeout * 1000,
    ignoreErrors: t.ignoreErrors ?? false,
    source: { file: source.file, line: pos.line, col: pos.col },
  };
}

/** A schema that holds `inner` at `path` (only for listing the keys known there). */
function nestAt(at: YamlPath, inner: z.ZodType): z.ZodType {
  return [...at]
    .reverse()
    .reduce<z.ZodType>((s, seg) => (typeof seg === 'number' ? z.array(s) : z.object({ [String(seg)]: s })), inner);
}

function checkedCondition(source: YamlSource, text: string | undefined, at: YamlPath): string | undefined {
  if (text === undefined) return undefined;
  try {
    parseCondition(text);
  } catch (err) {
    if (!(err instanceof ConditionSyntaxError)) throw err;
    throw new InputError(
      `condition: ${err.message}`,
      { file: source.file, ...conditionPosition(source, at, err.offset) },
      CONDITION_HINT,
    );
  }
  return text;
}

/** Where character `offset` of the condition scalar at `at` is (after an opening quote). */
function conditionPosition(source: YamlSource, at: YamlPath, offset: number): Position {
  const node = source.doc.getIn(at as unknown[], true);
  const start = positionOf(source, at);
  if (!isScalar(node) || node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') return start;
  const quote = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
  return { line: start.line, col: start.col + quote + offset };
}
