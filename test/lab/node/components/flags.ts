// Command-line flags as the kubelet passes them from a static pod manifest: `--name=value` (what
// kubeadm writes) and `--name value`. Unknown flags are kept and ignored by the caller, as the
// stand-ins only need a few of the real components' flags.
export type Flags = Map<string, string>;

export function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-')) continue;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags.set(body.slice(0, eq), body.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('-')) {
      flags.set(body, next);
      i++;
    } else {
      flags.set(body, 'true');
    }
  }
  return flags;
}

export function requireFlag(flags: Flags, name: string): string {
  const value = flags.get(name);
  if (value === undefined || value === '') throw new Error(`required flag --${name} is missing`);
  return value;
}

export function intFlag(flags: Flags, name: string, fallback: number): number {
  const value = flags.get(name);
  if (value === undefined) return fallback;
  const parsed = Number.parseInt(value, 10);
  if (!Number.isFinite(parsed)) throw new Error(`flag --${name}: not a number: ${value}`);
  return parsed;
}
