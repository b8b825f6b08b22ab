// A small subset of Go's text/template, as docker's --format uses it: `{{.A.B}}`, `{{json .A}}`,
// `{{index .A "key"}}`, `{{.Label "key"}}`, printed the way Go prints values.
export type TemplateData = Record<string, unknown>;

export class TemplateError extends Error {}

export interface TemplateOptions {
  /** Go type name for "can't evaluate field" errors (a struct); absent: a map (`<no value>`). */
  structName?: string;
}

function goPrint(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goPrint).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `map[${entries.map(([k, v]) => `${k}:${goPrint(v)}`).join(' ')}]`;
  }
  return String(value);
}

function tokenize(action: string): string[] {
  return action.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
}

function resolvePath(data: TemplateData, dotted: string, opts: TemplateOptions, col: number): unknown {
  if (dotted === '.') return data;
  let value: unknown = data;
  for (const part of dotted.slice(1).split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    const record = value as Record<string, unknown>;
    if (!(part in record)) {
      if (opts.structName && value === data)
        throw new TemplateError(
          `template: :1:${col}: executing "" at <.${part}>: can't evaluate field ${part} in type ${opts.structName}`,
        );
      return undefined;
    }
    value = record[part];
  }
  return value;
}

function evaluate(action: string, data: TemplateData, opts: TemplateOptions, col: number): string {
  const words = tokenize(action.trim());
  const [head, ...rest] = words;
  const arg = (w: string | undefined): unknown => {
    if (w === undefined) return undefined;
    if (w.startsWith('"')) return JSON.parse(w) as string;
    if (w.startsWith('.')) return resolvePath(data, w, opts, col);
    throw new TemplateError(`template: :1: function "${w}" not defined`);
  };
  if (!head) throw new TemplateError(`template: :1: missing value for command`);
  if (head === 'json') return JSON.stringify(arg(rest[0]) ?? null);
  if (head === 'index') {
    const target = arg(rest[0]) as Record<string, unknown> | undefined;
    const key = arg(rest[1]);
    return goPrint(
      target && typeof target === 'object' ? (target[String(key)] ?? (opts.structName ? '' : undefined)) : undefined,
    );
  }
  if (head.startsWith('.') && rest.length > 0) {
    const fn = resolvePath(data, head, opts, col);
    if (typeof fn !== 'function')
      throw new TemplateError(`template: :1:${col}: executing "" at <${head}>: ${head.slice(1)} is not a method`);
    return goPrint((fn as (...a: unknown[]) => unknown)(...rest.map(arg)));
  }
  return goPrint(arg(head));
}

/** Renders format against data; throws Go-like errors for what it does not understand. */
export function renderTemplate(format: string, data: TemplateData, opts: TemplateOptions = {}): string {
  const text = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  let out = '';
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    if (open < 0) return out + text.slice(pos);
    const close = text.indexOf('}}', open);
    if (close < 0) throw new TemplateError(`template: :1: unclosed action`);
    out +=
      text.slice(pos, open) + evaluate(text.slice(open + 2, close).replace(/^-\s|\s-$/g, ''), data, opts, open + 3);
    pos = close + 2;
  }
}
