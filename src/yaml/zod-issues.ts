// Validates a parsed YAML document with a zod schema and turns the first problem (the earliest in
// the file) into one InputError line: `file:line:col: what is wrong (what to do)`.
// Messages name keys and types, never the offending value: a value may be a misplaced secret.
// Schema-specific messages come from `.refine(test, { message, params: { hint } })` (code `custom`).
import type { z } from 'zod';
import type { InputError } from '../errors.js';
import { suggestionHint } from './closest.js';
import { inputErrorAt, positionOf, type YamlPath } from './positions.js';
import type { YamlSource } from './source.js';

type Issue = z.core.$ZodIssue;

export interface Problem {
  path: YamlPath;
  /** Point at the key (unknown key, bad record key) rather than at the value. */
  at: 'value' | 'key';
  message: string;
  hint?: string;
}

export interface KeyDescription {
  message: string;
  hint?: string;
}

export interface ValidateOptions {
  /** Describes an unknown key specially (e.g. an inline secret); undefined for the usual text. */
  unknownKey?: (key: string, knownKeys: string[]) => KeyDescription | undefined;
}

/** `schema.parse(source.value)`, or throws the InputError of the earliest problem in the file. */
export function validateYaml<S extends z.ZodType>(
  source: YamlSource,
  schema: S,
  options: ValidateOptions = {},
): z.output<S> {
  const result = schema.safeParse(source.value);
  if (result.success) return result.data;
  throw zodIssuesToInputError(source, result.error, schema, options);
}

/** The InputError for the earliest (in file order) of the error's issues. */
export function zodIssuesToInputError(
  source: YamlSource,
  error: z.ZodError,
  schema?: z.ZodType,
  options: ValidateOptions = {},
): InputError {
  const problems = error.issues.flatMap((issue) => describeIssue(source, issue, [], schema, options));
  // Earliest in the file first; at the same place, an unknown key (often a typo of the missing
  // one) says more than "missing key".
  const ranked = problems
    .map((problem) => ({
      problem,
      ...positionOf(source, problem.path, problem.at),
      rank: problem.at === 'key' ? 0 : 1,
    }))
    .sort((a, b) => a.line - b.line || a.col - b.col || a.rank - b.rank);
  const p = ranked[0]?.problem ?? { path: [], at: 'value', message: 'the document does not match the expected format' };
  return inputErrorAt(source, p.path, p.message, p.hint, p.at);
}

function describeIssue(
  source: YamlSource,
  issue: Issue,
  prefix: YamlPath,
  schema: z.ZodType | undefined,
  options: ValidateOptions,
): Problem[] {
  const path = [...prefix, ...issue.path];
  const label = labelOf(path);
  const missing = missingKey(source, path);
  if (missing && issue.code !== 'unrecognized_keys' && issue.code !== 'invalid_key') {
    return [
      {
        path,
        at: 'value',
        message: `missing required key ${quote(missing)}`,
        hint: `add "${missing}:" to this mapping`,
      },
    ];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, path);
      return issue.keys.map((key) => {
        const special = options.unknownKey?.(key, known);
        const message = special?.message ?? `unknown key ${quote(key)}`;
        return {
          path: [...path, key],
          at: 'key',
          message,
          hint: special ? special.hint : suggestionHint(key, known, 'keys'),
        };
      });
    }
    case 'invalid_type':
      return [describeType(source, path, label, issue.expected)];
    case 'invalid_value': {
      const values = issue.values.map(String);
      const message =
        values.length === 1 ? `${label} must be ${values[0]}` : `${label} must be one of ${values.join(', ')}`;
      return [{ path, at: 'value', message, hint: 'use one of the listed values' }];
    }
    case 'too_small':
    case 'too_big':
      return [describeSize(path, label, issue)];
    case 'invalid_union': {
      // A branch of the right type that failed a finer check says more than "wrong type".
      const branches = issue.errors;
      const specific = branches.flat().filter((i) => i.code !== 'invalid_type');
      if (specific.length > 0) return specific.flatMap((i) => describeIssue(source, i, path, undefined, options));
      // A message given to z.union(..., { error }) wins over the generic one.
      if (issue.message && issue.message !== 'Invalid input') return [{ path, at: 'value', message: issue.message }];
      const expected = [
        ...new Set(branches.flat().map((i) => (i.code === 'invalid_type' ? typeName(i.expected) : ''))),
      ].filter(Boolean);
      const choices =
        expected.length > 1
          ? `${expected.slice(0, -1).join(', ')} or ${expected[expected.length - 1]}`
          : (expected[0] ?? 'something else');
      return [
        {
          path,
          at: 'value',
          message: `${label} must be ${choices}, not ${receivedName(valueAt(source.value, path))}`,
          hint: `write ${choices} here`,
        },
      ];
    }
    case 'invalid_key': {
      const key = String(path[path.length - 1]);
      const inner = issue.issues[0];
      const reason = inner?.code === 'custom' ? inner.message : 'is not allowed';
      return [{ path, at: 'key', message: `key ${quote(key)} ${reason}`, hint: hintOf(inner) ?? 'rename it' }];
    }
    case 'custom':
      return [{ path, at: 'value', message: issue.message, hint: hintOf(issue) }];
    default:
      return [{ path, at: 'value', message: `${label} is not valid: ${issue.message}`, hint: 'correct it' }];
  }
}

function describeType(source: YamlSource, path: YamlPath, label: string, expected: string): Problem {
  const found = valueAt(source.value, path);
  const fractional = expected === 'int' && typeof found.value === 'number' && !Number.isInteger(found.value);
  const received = fractional ? 'a fractional number' : receivedName(found);
  let hint = `write ${typeName(expected)} here`;
  if (expected === 'string' && (received === 'a number' || received === 'true/false')) hint = 'put the value in quotes';
  else if (expected === 'boolean' && received === 'a string')
    hint = 'write true or false; YAML 1.2 reads yes/no/on/off as strings';
  else if (expected === 'object' && received === 'empty') hint = 'give it keys, or remove it';
  else if (expected === 'array') hint = 'write a list: "- item" lines, or [a, b]';
  else if (expected === 'int' && received === 'a fractional number') hint = 'use a whole number';
  return { path, at: 'value', message: `${label} must be ${typeName(expected)}, not ${received}`, hint };
}

function describeSize(
  path: YamlPath,
  label: string,
  issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
): Problem {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const strict = issue.inclusive === false;
  if (issue.origin === 'array' || issue.origin === 'string') {
    const unit = issue.origin === 'array' ? 'items' : 'characters';
    if (small && limit <= 1)
      return {
        path,
        at: 'value',
        message: `${label} must not be empty`,
        hint: issue.origin === 'array' ? 'list at least one item' : 'give it a value',
      };
    const message = `${label} must have ${small ? 'at least' : 'at most'} ${limit} ${unit}`;
    return { path, at: 'value', message, hint: small ? 'add more' : 'shorten it' };
  }
  const bound = small ? (strict ? 'greater than' : 'at least') : strict ? 'less than' : 'at most';
  return {
    path,
    at: 'value',
    message: `${label} must be ${bound} ${limit}`,
    hint: small ? 'use a larger value' : 'use a smaller value',
  };
}

/** `"port"`, `item 2 of "masters"`, or `the document`: what the path names, for a message. */
/** The key's name when `path` names a key absent from its (existing) mapping. */
function missingKey(source: YamlSource, path: YamlPath): string | undefined {
  const key = path[path.length - 1];
  const parent = valueAt(source.value, path.slice(0, -1)).value;
  return typeof key === 'string' && isPlainObject(parent) && !Object.hasOwn(parent, key) ? key : undefined;
}

function labelOf(path: YamlPath): string {
  const last = path[path.length - 1];
  if (last === undefined) return 'the document';
  if (typeof last === 'number') {
    const owner = path[path.length - 2];
    return owner === undefined ? `item ${last + 1}` : `item ${last + 1} of ${quote(String(owner))}`;
  }
  return quote(String(last));
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    null: 'empty',
    record: 'a mapping',
  };
  return names[expected] ?? `a ${expected}`;
}

function receivedName(found: { exists: boolean; value: unknown }): string {
  const v = found.value;
  if (!found.exists || v === undefined) return 'missing';
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'boolean') return 'true/false';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

function hintOf(issue: Issue | undefined): string | undefined {
  const params = issue?.code === 'custom' ? issue.params : undefined;
  return typeof params?.hint === 'string' ? params.hint : undefined;
}

/** A key for a message: JSON-quoted (so control characters show as escapes), bounded in length. */
function quote(key: string): string {
  return JSON.stringify(key.length > 60 ? `${key.slice(0, 57)}...` : key);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function valueAt(root: unknown, path: YamlPath): { exists: boolean; value: unknown } {
  let value = root;
  for (const step of path) {
    if (Array.isArray(value) && typeof step === 'number' && step < value.length) value = value[step];
    else if (isPlainObject(value) && typeof step === 'string' && Object.hasOwn(value, step)) value = value[step];
    else return { exists: false, value: undefined };
  }
  return { exists: true, value };
}

// Walking a schema to list the keys allowed at a path (for "did you mean"). Uses zod's `_zod.def`,
// which is stable in zod 4 and the only way to reach the inner types of wrappers generically.
interface LooseDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): LooseDef {
  return schema._zod.def as unknown as LooseDef;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let guard = 0; guard < 20; guard++) {
    const def = defOf(s);
    const inner = def.type === 'pipe' ? def.in : def.innerType;
    if (!inner) return s;
    s = inner;
  }
  return s;
}

function objectOptions(schema: z.ZodType): z.ZodType[] {
  const s = unwrap(schema);
  const def = defOf(s);
  if (def.type === 'union') return (def.options ?? []).flatMap(objectOptions);
  return def.type === 'object' ? [s] : [];
}

function knownKeysAt(schema: z.ZodType | undefined, path: YamlPath): string[] {
  let current: z.ZodType | undefined = schema;
  for (const step of path) {
    if (!current) return [];
    const s = unwrap(current);
    const def = defOf(s);
    if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else
      current = objectOptions(s)
        .map((o) => defOf(o).shape?.[String(step)])
        .find(Boolean);
  }
  return current ? objectOptions(current).flatMap((o) => Object.keys(defOf(o).shape ?? {})) : [];
}
