// Reads a YAML file for a loader (inventory, playbook) defensively: bounded size, UTF-8 text only,
// one document, syntax errors and warnings as `file:line:col` InputErrors, alias expansion capped.
// yaml's own error messages are used without their code frame (`prettyErrors: false`), so a line
// of the file (which could hold a secret) is never echoed back.
import { open } from 'node:fs/promises';
import { Alias, isNode, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { InputError } from '../errors.js';

/** Files larger than this are refused before parsing (an inventory is a few KiB). */
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
/** Aliases expanded per document; YAML "billion laughs" documents exceed it at once. */
export const DEFAULT_MAX_ALIAS_COUNT = 100;
/** Nesting levels (block indentation + flow brackets) accepted; yaml's recursive parser overflows
 * the stack near 1000, and an overflow inside it leaves V8 unstable, so we refuse before parsing. */
export const MAX_NESTING_DEPTH = 100;

export interface YamlSource {
  /** The file name as the operator gave it; used in messages. */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain JavaScript values. */
  value: unknown;
}

export interface ParseYamlOptions {
  maxBytes?: number;
  maxAliasCount?: number;
}

/** Reads, checks and parses `file`; throws InputError naming `file:line:col` for any problem. */
export async function parseYamlFile(file: string, options: ParseYamlOptions = {}): Promise<YamlSource> {
  const bytes = await readBounded(file, options.maxBytes ?? DEFAULT_MAX_BYTES);
  return parseYamlText(file, decodeText(file, bytes), options);
}

/** Parses YAML text already in memory (`file` is only used in messages). */
export function parseYamlText(file: string, text: string, options: ParseYamlOptions = {}): YamlSource {
  const tooDeep = nestingBeyond(text, MAX_NESTING_DEPTH);
  if (tooDeep) {
    throw new InputError(
      `the YAML nests more than ${MAX_NESTING_DEPTH} levels deep`,
      { file, ...tooDeep },
      'this is not an inventory or playbook; check the path',
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const { line, col } = lineCounter.linePos(problem.pos[0]);
    const message =
      problem.code === 'DUPLICATE_KEY'
        ? duplicateKeyText(doc, problem.pos[0])
        : yamlProblemText(problem.code, problem.message);
    throw new InputError(message, { file, line, col }, yamlHint(problem.code));
  }
  // `---` alone (or `--- # comment`) parses to an empty scalar: as empty as a file of comments.
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && doc.contents.source === '')) {
    throw new InputError('the file is empty', { file, line: 1, col: 1 }, 'write the YAML document into it');
  }
  const source: YamlSource = { file, doc, lineCounter, value: undefined };
  try {
    source.value = doc.toJS({ maxAliasCount: options.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT });
  } catch (err) {
    throw aliasError(source, err);
  }
  return source;
}

async function readBounded(file: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new InputError(`cannot read the file: ${fsReason(err)}`, { file }, 'check the path and its permissions');
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new InputError('is a folder, not a file', { file }, 'name a YAML file');
    // Read at most maxBytes + 1 whatever stat says: a pipe or a growing file has no honest size.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) {
        throw new InputError(
          `the file is larger than ${maxBytes} bytes`,
          { file, line: 1, col: 1 },
          'this is not an inventory or playbook; check the path',
        );
      }
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read the file: ${fsReason(err)}`, { file }, 'check the path and its permissions');
  } finally {
    await handle.close();
  }
}

function decodeText(file: string, bytes: Buffer): string {
  // UTF-16/32 byte order marks (UTF-32 LE starts like UTF-16 LE): text, but not in UTF-8.
  if (
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    bytes.subarray(0, 4).equals(Buffer.from([0, 0, 0xfe, 0xff]))
  ) {
    throw new InputError(
      'the file is UTF-16 or UTF-32 text (it starts with such a byte order mark), not UTF-8',
      { file, line: 1, col: 1 },
      'save it as UTF-8',
    );
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const { line, col } = offsetPosition(bytes.subarray(0, nul).toString('utf8'), Infinity);
    throw new InputError(
      'the file is binary, not YAML text: it contains a NUL byte',
      { file, line, col },
      'name a YAML text file',
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    // Lossy decoding marks the first bad byte with U+FFFD; that is where we point.
    const lossy = bytes.toString('utf8');
    const { line, col } = offsetPosition(lossy, lossy.indexOf('\uFFFD'));
    throw new InputError('the file is not valid UTF-8 text', { file, line, col }, 'save it as UTF-8');
  }
}

/** 1-based line and column of `offset` (or the end) in `text`. */
function offsetPosition(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, col: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** Where the text first nests deeper than `limit`: block indentation levels plus open flow brackets
 * plus compact "- - " entries. An estimate (quotes are tracked roughly); real files stay far below. */
export function nestingBeyond(text: string, limit: number): { line: number; col: number } | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let c = 0;
    if (flow === 0 && quote === undefined) {
      while (line[c] === ' ') c++;
      if (c === line.length || line[c] === '#') continue;
      while (indents.length > 0 && indents[indents.length - 1]! >= c) indents.pop();
      indents.push(c);
    }
    let compact = 0;
    for (; c < line.length; c++) {
      const ch = line[c]!;
      if (quote !== undefined) {
        if (ch === '\\' && quote === '"') c++;
        else if (ch === quote) quote = undefined;
        continue;
      }
      const prev = c === 0 ? ' ' : line[c - 1]!;
      const tokenStart = /[\s[{,:]/.test(prev);
      if (ch === '#' && /\s/.test(prev)) break;
      if ((ch === '"' || ch === "'") && tokenStart) quote = ch;
      else if (ch === '[' || ch === '{') flow++;
      else if (ch === ']' || ch === '}') flow = Math.max(0, flow - 1);
      else if ((ch === '-' || ch === '?') && tokenStart && /\s/.test(line[c + 1] ?? ' ') && flow === 0) compact++;
      if (indents.length + flow + compact > limit) return { line: i + 1, col: c + 1 };
    }
  }
  return undefined;
}

/** The duplicated key, read from the parsed key node at `offset` (so quotes and escapes are right). */
function duplicateKeyText(doc: Document.Parsed, offset: number): string {
  let key: string | undefined;
  visit(doc, {
    Pair(_key, pair) {
      if (key === undefined && isNode(pair.key) && pair.key.range?.[0] === offset) {
        key = isScalar(pair.key) ? String(pair.key.value) : pair.key.toString();
        return visit.BREAK;
      }
      return undefined;
    },
  });
  const shown = key === undefined ? 'a key' : JSON.stringify(key.length > 60 ? `${key.slice(0, 57)}...` : key);
  return `duplicate key ${shown} in this mapping`;
}

function yamlProblemText(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'the file holds more than one YAML document';
  if (code === 'TAG_RESOLVE_FAILED') return `YAML: ${message.split('\n')[0]}`;
  return `YAML syntax error: ${message.split('\n')[0]}`;
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'keep one of them';
    case 'MULTIPLE_DOCS':
      return 'remove the "---" separator and keep one document';
    case 'TAG_RESOLVE_FAILED':
      return 'remove the tag; plain YAML values are expected';
    default:
      return 'fix the YAML syntax here';
  }
}

/** toJS failed: an alias without its anchor, or too many aliases (a resource exhaustion attack). */
function aliasError(source: YamlSource, err: unknown): InputError {
  const { doc, lineCounter, file } = source;
  let unresolved: Alias | undefined;
  let first: Alias | undefined;
  visit(doc, {
    Alias(_key, node) {
      first ??= node;
      if (!unresolved && node.resolve(doc) === undefined) unresolved = node;
    },
  });
  const at = (node: Alias | undefined) => (node?.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 });
  if (unresolved) {
    return new InputError(
      `alias "*${unresolved.source}" has no anchor before it`,
      { file, ...at(unresolved) },
      `define "&${unresolved.source}" earlier in the file`,
    );
  }
  void err; // yaml's only other toJS failure: "Excessive alias count ..."
  return new InputError(
    'YAML aliases expand too much, as in a resource exhaustion attack',
    { file, ...at(first) },
    'write the values out instead of nesting aliases',
  );
}

/** A short human reason for a file-system error (`not found`, `permission denied`, ...). */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    default:
      return code ?? 'unknown error';
  }
}
