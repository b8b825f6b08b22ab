// The three PATCH types kubectl sends: JSON merge patch (RFC 7386), strategic merge patch (for
// the maps the lab edits, such as ConfigMap data, the same as a merge patch; lists are replaced,
// `$patch: replace|delete` directives honoured) and JSON patch (RFC 6902).
import { isDeepStrictEqual } from 'node:util';
import { ApiError, unsupportedMediaType } from './status.js';
import { isRecord } from './types.js';

const patchFailed = (message: string): ApiError => new ApiError(422, 'Invalid', message, {});

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  const base: Record<string, unknown> = directive === 'replace' || !isRecord(target) ? {} : { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue; // $patch, $retainKeys, $setElementOrder/...: ordering hints
    if (value === null) {
      delete base[key];
      continue;
    }
    const merged = strategicMergePatch(base[key], value);
    if (merged === undefined) delete base[key];
    else base[key] = merged;
  }
  return base;
}

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/')))
    throw patchFailed(`invalid JSON pointer: ${String(path)}`);
  return path === ''
    ? []
    : path
        .slice(1)
        .split('/')
        .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: unknown, tokens: string[]): unknown {
  let current = doc;
  for (const token of tokens) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isRecord(current) && token in current) current = current[token];
    else return undefined;
  }
  return current;
}

/** The container of the pointer's last token, which must exist. */
function parentOf(doc: unknown, tokens: string[], path: unknown): { container: unknown; last: string } {
  const container = getAt(doc, tokens.slice(0, -1));
  if (!isRecord(container) && !Array.isArray(container)) throw patchFailed(`doc is missing path: ${String(path)}`);
  return { container, last: tokens[tokens.length - 1] ?? '' };
}

function add(doc: unknown, path: unknown, value: unknown): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const { container, last } = parentOf(doc, tokens, path);
  if (Array.isArray(container)) {
    const index = last === '-' ? container.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > container.length)
      throw patchFailed(`invalid array index in ${String(path)}`);
    container.splice(index, 0, value);
  } else (container as Record<string, unknown>)[last] = value;
  return doc;
}

function remove(doc: unknown, path: unknown): unknown {
  const tokens = pointer(path);
  const { container, last } = parentOf(doc, tokens, path);
  if (Array.isArray(container)) {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index >= container.length)
      throw patchFailed(`jsonpatch remove operation does not apply: doc is missing key: ${String(path)}`);
    container.splice(index, 1);
  } else {
    const record = container as Record<string, unknown>;
    if (!(last in record))
      throw patchFailed(`jsonpatch remove operation does not apply: doc is missing key: ${String(path)}`);
    delete record[last];
  }
  return doc;
}

export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw patchFailed('json patch must be an array of operations');
  let doc: unknown = structuredClone(target);
  for (const op of operations) {
    if (!isRecord(op)) throw patchFailed('json patch operation must be an object');
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, structuredClone(op.value));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        doc = add(remove(doc, op.path), op.path, structuredClone(op.value));
        break;
      case 'move': {
        const value = getAt(doc, pointer(op.from));
        doc = add(remove(doc, op.from), op.path, value);
        break;
      }
      case 'copy':
        doc = add(doc, op.path, structuredClone(getAt(doc, pointer(op.from))));
        break;
      case 'test':
        if (!isDeepStrictEqual(getAt(doc, pointer(op.path)), op.value))
          throw patchFailed(`testing value ${String(op.path)} failed`);
        break;
      default:
        throw patchFailed(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}

/** Applies a PATCH body of the given Content-Type to a copy of `target`. */
export function applyPatch(contentType: string, target: unknown, patch: unknown): unknown {
  const type = contentType.split(';')[0]?.trim() ?? '';
  switch (type) {
    case 'application/json-patch+json':
      return jsonPatch(target, patch);
    case 'application/merge-patch+json':
      return mergePatch(structuredClone(target), patch);
    case 'application/strategic-merge-patch+json':
      return strategicMergePatch(structuredClone(target), patch);
    default:
      throw unsupportedMediaType(type);
  }
}
