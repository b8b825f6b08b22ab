// Command-line flags as docker (spf13/pflag) and crictl (urfave/cli over Go's flag package) parse
// them, with the error each reports for an unknown flag or a missing value.
export interface FlagSpec {
  long: string;
  short?: string;
  /** Takes a value (repeatable flags collect every value). */
  value?: boolean;
}

export interface ParsedFlags {
  values: Map<string, string[]>;
  positional: string[];
}

export type FlagError =
  { kind: 'unknown'; flag: string; letter?: string } | { kind: 'needs-value'; flag: string; letter?: string };

/**
 * pflag: flags and arguments may interleave, `-abc` groups short flags.
 * goflag: parsing stops at the first argument; one or two dashes; short groups are accepted too.
 */
export function parseFlags(argv: string[], specs: FlagSpec[], style: 'pflag' | 'goflag'): ParsedFlags | FlagError {
  const values = new Map<string, string[]>();
  const positional: string[] = [];
  const add = (spec: FlagSpec, value: string): void =>
    void values.set(spec.long, [...(values.get(spec.long) ?? []), value]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (style === 'goflag') {
        positional.push(...argv.slice(i));
        break;
      }
      positional.push(arg);
      continue;
    }
    const isLong = arg.startsWith('--') || style === 'goflag';
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const byLong = isLong ? specs.find((s) => s.long === name || (style === 'goflag' && s.short === name)) : undefined;
    if (byLong) {
      if (!byLong.value) add(byLong, eq >= 0 ? body.slice(eq + 1) : 'true');
      else if (eq >= 0) add(byLong, body.slice(eq + 1));
      else if (i + 1 < argv.length) add(byLong, argv[++i] ?? '');
      else return { kind: 'needs-value', flag: `--${name}` };
      continue;
    }
    if (arg.startsWith('--')) return { kind: 'unknown', flag: arg.split('=')[0] ?? arg };
    // A group of short flags: -aq, -f value, -fvalue.
    const letters = arg.slice(1);
    for (let j = 0; j < letters.length; j++) {
      const letter = letters[j] ?? '';
      const spec = specs.find((s) => s.short === letter);
      if (!spec) return { kind: 'unknown', flag: arg, letter };
      if (!spec.value) {
        add(spec, 'true');
        continue;
      }
      const rest = letters.slice(j + 1).replace(/^=/, '');
      if (rest) add(spec, rest);
      else if (i + 1 < argv.length) add(spec, argv[++i] ?? '');
      else return { kind: 'needs-value', flag: arg, letter };
      break;
    }
  }
  return { values, positional };
}

export function isFlagError(parsed: ParsedFlags | FlagError): parsed is FlagError {
  return 'kind' in parsed;
}

export const has = (p: ParsedFlags, long: string): boolean => (p.values.get(long) ?? []).some((v) => v !== 'false');
export const last = (p: ParsedFlags, long: string): string | undefined => p.values.get(long)?.at(-1);
export const all = (p: ParsedFlags, long: string): string[] => p.values.get(long) ?? [];

/** `key=value` label selectors (a bare key matches any value). */
export function matchesLabels(labels: Record<string, string>, selectors: string[]): boolean {
  return selectors.every((sel) => {
    const eq = sel.indexOf('=');
    if (eq < 0) return sel in labels;
    return labels[sel.slice(0, eq)] === sel.slice(eq + 1);
  });
}
