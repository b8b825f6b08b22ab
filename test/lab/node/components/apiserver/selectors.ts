// Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors (=, ==, != on a dotted
// path such as metadata.name), as list calls take them in ?labelSelector= and ?fieldSelector=.
import { badRequest } from './status.js';
import { isRecord, type KubeObject } from './types.js';

type Requirement = (values: Record<string, string>) => boolean;

/** Splits on commas outside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) terms.push(current.trim());
  return terms.filter((t) => t !== '');
}

function parseLabelTerm(term: string): Requirement {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    return op === 'in'
      ? (l) => key in l && values.includes(l[key] ?? '')
      : (l) => !(key in l) || !values.includes(l[key] ?? '');
  }
  const cmp = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(term);
  if (cmp) {
    const [, key = '', op, value = ''] = cmp;
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  const exists = /^(!?)([^\s!=()]+)$/.exec(term);
  if (exists) {
    const [, not, key = ''] = exists;
    return not ? (l) => !(key in l) : (l) => key in l;
  }
  throw badRequest(`unable to parse requirement: invalid label selector term "${term}"`);
}

export function labelMatcher(selector: string | null): (obj: KubeObject) => boolean {
  if (!selector) return () => true;
  const requirements = splitTerms(selector).map(parseLabelTerm);
  return (obj) => requirements.every((r) => r(obj.metadata.labels ?? {}));
}

function fieldValue(obj: unknown, path: string): string {
  let current: unknown = obj;
  for (const part of path.split('.')) current = isRecord(current) ? current[part] : undefined;
  return current === undefined || current === null ? '' : String(current);
}

export function fieldMatcher(selector: string | null): (obj: KubeObject) => boolean {
  if (!selector) return () => true;
  const requirements = splitTerms(selector).map((term) => {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid field selector: "${term}"`);
    const [, path = '', op, value = ''] = m;
    return op === '!='
      ? (o: KubeObject) => fieldValue(o, path) !== value
      : (o: KubeObject) => fieldValue(o, path) === value;
  });
  return (obj) => requirements.every((r) => r(obj));
}
