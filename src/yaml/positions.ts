// Maps a path in a YAML document (as zod reports it: keys and list indexes) to a line and column.
// The path may go past what exists (a missing key, or through an alias): we walk up to the nearest
// node that exists. Positions point at the value, or at the key when asked for (unknown key) or
// when the value is empty (`port:` with nothing after it has no text to point at).
import { isMap, isNode, isScalar, type Node, type Pair } from 'yaml';
import { InputError } from '../errors.js';
import type { YamlSource } from './source.js';

export type YamlPath = ReadonlyArray<PropertyKey>;
export interface Position {
  line: number;
  col: number;
}

/** Where the value at `path` is (or its key, with `at: 'key'`), or the nearest existing parent. */
export function positionOf(source: YamlSource, path: YamlPath, at: 'value' | 'key' = 'value'): Position {
  const { lineCounter } = source;
  for (let depth = path.length; depth >= 0; depth--) {
    const sub = path.slice(0, depth);
    const pair = depth > 0 ? pairAt(source, sub) : undefined;
    const keyNode = isNode(pair?.key) ? pair.key : undefined;
    // Through the pair when there is one: it also finds non-string keys (`1:`) that getIn misses.
    const node = (isNode(pair?.value) ? pair.value : undefined) ?? nodeAt(source, sub);
    const wantKey = at === 'key' && depth === path.length;
    if (wantKey && keyNode?.range) return lineCounter.linePos(keyNode.range[0]);
    if (node?.range && node.range[0] < node.range[1]) return lineCounter.linePos(node.range[0]);
    if (keyNode?.range) return lineCounter.linePos(keyNode.range[0]);
    if (node?.range) return lineCounter.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** An InputError at `path` of `source`. */
export function inputErrorAt(
  source: YamlSource,
  path: YamlPath,
  message: string,
  hint?: string,
  at: 'value' | 'key' = 'value',
): InputError {
  return new InputError(message, { file: source.file, ...positionOf(source, path, at) }, hint);
}

function nodeAt(source: YamlSource, path: YamlPath): Node | undefined {
  if (path.length === 0) return source.doc.contents ?? undefined;
  const found: unknown = source.doc.getIn(path as unknown[], true);
  return isNode(found) ? found : undefined;
}

/** The key/value pair addressed by the last element of `path`, when its parent is a mapping. */
function pairAt(source: YamlSource, path: YamlPath): Pair | undefined {
  const parent = nodeAt(source, path.slice(0, -1));
  if (!isMap(parent)) return undefined;
  const last = String(path[path.length - 1]);
  return parent.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === last);
}
