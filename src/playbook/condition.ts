// The `when` / `until` condition language: a hand-written tokenizer, parser and evaluator over plain
// data. It can read values and compare them; it cannot call anything, assign anything or reach a
// prototype, so a playbook can never run code on the operator's machine.
//
//   expr       := or
//   or         := and ('or' and)*
//   and        := not ('and' not)*
//   not        := 'not' not | comparison
//   comparison := operand ( ('=='|'!='|'<'|'<='|'>'|'>='|'in'|'not' 'in') operand
//                         | 'is' ['not'] 'defined' )?
//   operand    := STRING | NUMBER | true | false | null | '[' (expr (',' expr)*)? ']'
//               | '(' expr ')' | FUNC '(' expr ')' | path
//   path       := IDENT ('.' IDENT | '[' (STRING | NUMBER) ']')*
//   FUNC       := defined | length

export type Value = unknown;

export type Node =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'list'; items: Node[] }
  | { kind: 'path'; segments: (string | number)[]; text: string }
  | { kind: 'not'; operand: Node }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'compare'; op: CompareOp; left: Node; right: Node }
  | { kind: 'defined'; operand: Node; negate: boolean }
  | { kind: 'length'; operand: Node };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

/** A parsed condition, with the text it came from. */
export interface Condition {
  source: string;
  root: Node;
}

/** A syntax error; `offset` is the 0-based character index in the condition text. */
export class ConditionSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ConditionSyntaxError';
    this.offset = offset;
  }
}

type TokenKind = 'string' | 'number' | 'ident' | 'op' | 'punct' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  value?: string | number;
  offset: number;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'true', 'false', 'null', 'defined']);
const FUNCTIONS = new Set(['defined', 'length']);
/** Path segments that would lead out of plain data into the object machinery. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
const MAX_LENGTH = 2000;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === '"' || ch === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ConditionSyntaxError('unterminated string', start);
        const c = src[i]!;
        if (c === ch) break;
        if (c === '\\') {
          const next = src[i + 1];
          const escapes: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" };
          if (next === undefined || !(next in escapes))
            throw new ConditionSyntaxError(`unknown escape "\\${next ?? ''}"`, i);
          text += escapes[next];
          i += 2;
          continue;
        }
        text += c;
        i++;
      }
      i++;
      tokens.push({ kind: 'string', text: src.slice(start, i), value: text, offset: start });
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num && (ch !== '-' || !lastIsValue(tokens))) {
      i += num[0].length;
      tokens.push({ kind: 'number', text: num[0], value: Number(num[0]), offset: start });
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (ident) {
      i += ident[0].length;
      tokens.push({ kind: 'ident', text: ident[0], offset: start });
      continue;
    }
    const op = /^(==|!=|<=|>=|<|>)/.exec(src.slice(i));
    if (op) {
      i += op[0].length;
      tokens.push({ kind: 'op', text: op[0], offset: start });
      continue;
    }
    if ('()[],.'.includes(ch)) {
      i++;
      tokens.push({ kind: 'punct', text: ch, offset: start });
      continue;
    }
    throw new ConditionSyntaxError(`unexpected character "${ch}"`, start);
  }
  tokens.push({ kind: 'end', text: '', offset: src.length });
  return tokens;
}

function lastIsValue(tokens: Token[]): boolean {
  const last = tokens[tokens.length - 1];
  if (!last) return false;
  return (
    last.kind === 'number' ||
    last.kind === 'string' ||
    (last.kind === 'ident' && !KEYWORDS.has(last.text)) ||
    last.text === ')' ||
    last.text === ']'
  );
}

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  constructor(private readonly src: string) {
    this.tokens = tokenize(src);
  }

  parse(): Node {
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw new ConditionSyntaxError(`unexpected "${t.text}"`, t.offset);
    return node;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    this.pos++;
    return t;
  }
  private isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'ident' && t.text === word;
  }
  private expect(text: string): Token {
    const t = this.next();
    if (t.text !== text || t.kind === 'string') {
      throw new ConditionSyntaxError(
        t.kind === 'end' ? `expected "${text}" but the condition ended` : `expected "${text}" but found "${t.text}"`,
        t.offset,
      );
    }
    return t;
  }

  private or(): Node {
    return this.leftAssociative('or', () => this.and());
  }
  private and(): Node {
    return this.leftAssociative('and', () => this.not());
  }
  private leftAssociative(word: 'and' | 'or', operand: () => Node): Node {
    let left = operand();
    while (this.isWord(word)) {
      this.next();
      left = { kind: word, left, right: operand() };
    }
    return left;
  }
  private not(): Node {
    if (this.isWord('not')) {
      this.next();
      return { kind: 'not', operand: this.not() };
    }
    return this.comparison();
  }
  private comparison(): Node {
    const left = this.operand();
    const t = this.peek();
    if (t.kind === 'op') {
      this.next();
      return { kind: 'compare', op: t.text as CompareOp, left, right: this.operand() };
    }
    if (this.isWord('in')) {
      this.next();
      return { kind: 'compare', op: 'in', left, right: this.operand() };
    }
    if (this.isWord('not') && this.isWord('in', 1)) {
      this.next();
      this.next();
      return { kind: 'compare', op: 'not in', left, right: this.operand() };
    }
    if (this.isWord('is')) {
      this.next();
      const negate = this.isWord('not');
      if (negate) this.next();
      const d = this.next();
      if (d.kind !== 'ident' || d.text !== 'defined')
        throw new ConditionSyntaxError(`expected "defined" after "is${negate ? ' not' : ''}"`, d.offset);
      return { kind: 'defined', operand: left, negate };
    }
    return left;
  }
  private operand(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'string':
      case 'number':
        return { kind: 'literal', value: t.value! };
      case 'punct':
        if (t.text === '(') {
          const inner = this.or();
          this.expect(')');
          return inner;
        }
        if (t.text === '[') return this.list();
        break;
      case 'ident':
        return this.identifier(t);
      case 'end':
        throw new ConditionSyntaxError('the condition ended where a value was expected', t.offset);
      default:
        break;
    }
    throw new ConditionSyntaxError(`unexpected "${t.text}" where a value was expected`, t.offset);
  }
  private list(): Node {
    const items: Node[] = [];
    if (this.peek().text !== ']') {
      items.push(this.or());
      while (this.peek().text === ',') {
        this.next();
        items.push(this.or());
      }
    }
    this.expect(']');
    return { kind: 'list', items };
  }
  private identifier(t: Token): Node {
    if (t.text === 'true' || t.text === 'false') return { kind: 'literal', value: t.text === 'true' };
    if (t.text === 'null') return { kind: 'literal', value: null };
    if (this.peek().text === '(') {
      if (!FUNCTIONS.has(t.text))
        throw new ConditionSyntaxError(`"${t.text}" is not a function (only ${[...FUNCTIONS].join(', ')})`, t.offset);
      this.next();
      const arg = this.or();
      this.expect(')');
      return t.text === 'defined' ? { kind: 'defined', operand: arg, negate: false } : { kind: 'length', operand: arg };
    }
    if (KEYWORDS.has(t.text))
      throw new ConditionSyntaxError(`unexpected "${t.text}" where a value was expected`, t.offset);
    return this.path(t);
  }
  private path(first: Token): Node {
    const segments: (string | number)[] = [this.segment(first.text, first.offset)];
    let end = first.offset + first.text.length;
    for (;;) {
      const t = this.peek();
      if (t.text === '.' && t.kind === 'punct') {
        this.next();
        const name = this.next();
        if (name.kind !== 'ident') throw new ConditionSyntaxError('expected a name after "."', name.offset);
        segments.push(this.segment(name.text, name.offset));
        end = name.offset + name.text.length;
      } else if (t.text === '[' && t.kind === 'punct') {
        this.next();
        const key = this.next();
        if (key.kind !== 'string' && key.kind !== 'number')
          throw new ConditionSyntaxError('expected a string or a number inside [ ]', key.offset);
        segments.push(typeof key.value === 'string' ? this.segment(key.value, key.offset) : key.value!);
        end = this.expect(']').offset + 1;
      } else {
        break;
      }
    }
    const text = this.src.slice(first.offset, end);
    if (this.peek().text === '(')
      throw new ConditionSyntaxError(
        `"${text}" is not a function (only ${[...FUNCTIONS].join(', ')})`,
        this.peek().offset,
      );
    return { kind: 'path', segments, text };
  }
  private segment(name: string, offset: number): string {
    if (FORBIDDEN_SEGMENTS.has(name)) throw new ConditionSyntaxError(`"${name}" cannot be read in a condition`, offset);
    return name;
  }
}

/** Parses a condition; throws ConditionSyntaxError with the offset of the problem. */
export function parseCondition(source: string): Condition {
  if (source.length > MAX_LENGTH)
    throw new ConditionSyntaxError(`condition longer than ${MAX_LENGTH} characters`, MAX_LENGTH);
  return { source, root: new Parser(source).parse() };
}

/** Reads an own, non-function property; anything else is undefined. */
function readSegment(base: Value, key: string | number): Value {
  if (base === null || base === undefined) return undefined;
  if (Array.isArray(base)) {
    const index = typeof key === 'number' ? key : /^\d+$/.test(key) ? Number(key) : NaN;
    return Number.isInteger(index) && index >= 0 && index < base.length ? base[index] : undefined;
  }
  if (base instanceof Map) return base.has(key) ? plain(base.get(key)) : undefined;
  if (typeof base !== 'object') return undefined;
  const k = String(key);
  return Object.prototype.hasOwnProperty.call(base, k) ? plain((base as Record<string, unknown>)[k]) : undefined;
}

function plain(v: Value): Value {
  return typeof v === 'function' || typeof v === 'symbol' ? undefined : v;
}

export function truthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v) && !(typeof v === 'number' && Number.isNaN(v));
}

function evaluate(node: Node, scope: Value): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'list':
      return node.items.map((n) => evaluate(n, scope));
    case 'path':
      return node.segments.reduce<Value>((base, seg) => readSegment(base, seg), scope);
    case 'not':
      return !truthy(evaluate(node.operand, scope));
    case 'and':
      return truthy(evaluate(node.left, scope)) && truthy(evaluate(node.right, scope));
    case 'or':
      return truthy(evaluate(node.left, scope)) || truthy(evaluate(node.right, scope));
    case 'defined': {
      const defined = evaluate(node.operand, scope) !== undefined;
      return node.negate ? !defined : defined;
    }
    case 'length': {
      const v = evaluate(node.operand, scope);
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v !== null && typeof v === 'object') return Object.keys(v).length;
      return undefined;
    }
    case 'compare':
      return compare(node.op, evaluate(node.left, scope), evaluate(node.right, scope));
  }
}

function compare(op: CompareOp, a: Value, b: Value): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
    default: {
      // Ordering only between two numbers or two strings; anything else is false, never a coercion.
      const comparable =
        (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
      if (!comparable) return false;
      const x = a as number | string;
      const y = b as number | string;
      return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
    }
  }
}

function contains(container: Value, item: Value): boolean {
  if (Array.isArray(container)) return container.some((v) => v === item);
  if (typeof container === 'string') return typeof item === 'string' && container.includes(item);
  if (container !== null && typeof container === 'object' && (typeof item === 'string' || typeof item === 'number')) {
    return readSegment(container, item) !== undefined;
  }
  return false;
}

/** Evaluates a parsed condition against a context; unknown paths are undefined, never an error. */
export function evaluateCondition(condition: Condition, context: Record<string, unknown>): boolean {
  return truthy(evaluate(condition.root, context));
}

/** Parses and evaluates in one go (for callers holding only the text). */
export function checkCondition(source: string, context: Record<string, unknown>): boolean {
  return evaluateCondition(parseCondition(source), context);
}
