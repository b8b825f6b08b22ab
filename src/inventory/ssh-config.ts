// The subset of OpenSSH's client configuration (ssh_config(5)) an ops laptop relies on to reach
// its masters: Host blocks (patterns with * and ?, negation with !), Include, and the keywords
// HostName, User, Port, IdentityFile, ProxyJump and UserKnownHostsFile. As in ssh, the first value
// obtained for a keyword wins, Host blocks apply in file order, keywords are case-insensitive and
// `Keyword value` or `Keyword=value` are both accepted. `Match` blocks are skipped (they can run
// commands; `Match all` is the exception, taken as `Host *`); other keywords are ignored, as they
// configure what this tool does not do (ciphers, forwarding, ...).
// Kept small on purpose rather than a dependency: this is all the tool needs, and every value it
// yields is validated by the same rules as the inventory's own (resolve.ts).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { fsReason } from '../yaml/source.js';

const KEYWORDS = {
  hostname: 'hostName',
  user: 'user',
  port: 'port',
  identityfile: 'identityFile',
  proxyjump: 'proxyJump',
  userknownhostsfile: 'userKnownHostsFile',
} as const;

type Keyword = (typeof KEYWORDS)[keyof typeof KEYWORDS];

/** What the config says about one host alias (each field the first value found, verbatim). */
export type SshConfigEntry = Partial<Record<Exclude<Keyword, 'userKnownHostsFile'>, string>> & {
  userKnownHostsFile?: string[];
};

interface Setting {
  keyword: Keyword;
  args: string[];
  file: string;
  line: number;
}

interface Block {
  /** undefined: the settings before any Host line (they apply to every host). */
  patterns?: string[];
  /** A skipped `Match` block. */
  skipped?: boolean;
  settings: Setting[];
}

export interface SshConfig {
  file: string;
  blocks: Block[];
}

/** Splits a config line into words, honouring double quotes (ssh_config(5)). */
export function splitArgs(text: string, file: string, line: number): string[] {
  if ((text.match(/"/g) ?? []).length % 2 !== 0)
    throw new InputError('unbalanced quotes', { file, line }, 'close the quote');
  return [...text.matchAll(/"([^"]*)"|([^\s"]+)/g)].map((m) => m[1] ?? m[2]!);
}

/** Parses `file`; its Include lines are read too (relative to ~/.ssh, as ssh does for a user config). */
export async function loadSshConfig(file: string, home: string): Promise<SshConfig> {
  const blocks: Block[] = [{ settings: [] }];
  await parseInto(blocks, file, home, 0);
  return { file, blocks };
}

async function parseInto(blocks: Block[], file: string, home: string, depth: number): Promise<void> {
  if (depth > 8) throw new InputError('Include nested too deeply', { file }, 'look for an Include loop');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `SSH config ${file} cannot be read: ${fsReason(err)}`,
      { file },
      'check the path (ssh.configFile)',
    );
  }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const trimmed = lines[i]!.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(trimmed);
    if (!m) throw new InputError(`"${trimmed}" has no value`, { file, line: lineNo }, 'write "Keyword value"');
    const keyword = m[1]!.toLowerCase();
    const args = splitArgs(m[2]!, file, lineNo);
    if (keyword === 'host') blocks.push({ patterns: args, settings: [] });
    else if (keyword === 'match') {
      const all = args.length === 1 && args[0]!.toLowerCase() === 'all';
      blocks.push(all ? { patterns: ['*'], settings: [] } : { skipped: true, settings: [] });
    } else if (keyword === 'include') {
      for (const pattern of args) {
        for (const included of await expandInclude(pattern, home)) await parseInto(blocks, included, home, depth + 1);
      }
    } else if (Object.hasOwn(KEYWORDS, keyword)) {
      blocks.at(-1)!.settings.push({ keyword: KEYWORDS[keyword as keyof typeof KEYWORDS], args, file, line: lineNo });
    }
  }
}

/** An Include argument: `~` expanded, relative to ~/.ssh; a `*`/`?` pattern in the last part only. */
async function expandInclude(pattern: string, home: string): Promise<string[]> {
  const expanded = pattern.startsWith('~/') ? path.join(home, pattern.slice(2)) : pattern;
  const full = path.isAbsolute(expanded) ? expanded : path.join(home, '.ssh', expanded);
  const base = path.basename(full);
  if (!/[*?]/.test(base)) return [full];
  const dir = path.dirname(full);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // ssh, too, ignores an Include that matches nothing
  }
  const re = globRegExp(base);
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => path.join(dir, n));
}

function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** ssh's Host matching: some positive pattern matches and no negated one does (case-insensitive). */
export function hostMatches(patterns: readonly string[], alias: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (!globRegExp(negated ? pattern.slice(1) : pattern).test(alias)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** The settings for `alias`: for each keyword, the first value of the first block that applies. */
export function lookupSshConfig(config: SshConfig, alias: string): SshConfigEntry & { lines: Setting[] } {
  const entry: SshConfigEntry = {};
  const lines: Setting[] = [];
  for (const block of config.blocks) {
    if (block.skipped || (block.patterns && !hostMatches(block.patterns, alias))) continue;
    for (const setting of block.settings) {
      if (entry[setting.keyword] !== undefined) continue;
      if (setting.keyword === 'userKnownHostsFile') entry.userKnownHostsFile = setting.args;
      else entry[setting.keyword] = setting.args[0] ?? '';
      lines.push(setting);
    }
  }
  return { ...entry, lines };
}

/**
 * ssh's % tokens in HostName, IdentityFile and UserKnownHostsFile: %h (the host name), %r (the
 * remote user), %d (home), %u (local user), %%. Any other token is refused rather than guessed.
 */
export function expandTokens(
  value: string,
  tokens: { h: string; r: string; d: string; u: string },
  where: { file: string; line: number },
): string {
  const withTilde = value === '~' ? tokens.d : value.startsWith('~/') ? path.join(tokens.d, value.slice(2)) : value;
  return withTilde.replace(/%(.)/g, (_, t: string) => {
    if (t === '%') return '%';
    if (t === 'h' || t === 'r' || t === 'd' || t === 'u') return tokens[t];
    throw new InputError(`the token %${t} is not supported here`, where, 'use %h, %r, %d, %u or a plain path');
  });
}

/** ProxyJump `[user@]host[:port]`; `none` means no jump host. More than one hop is refused. */
export function parseProxyJump(
  value: string,
  where: { file: string; line: number },
): { user?: string; host: string; port?: number } | undefined {
  if (value.toLowerCase() === 'none') return undefined;
  if (value.includes(','))
    throw new InputError(
      `ProxyJump ${value}: more than one jump host is not supported`,
      where,
      'reach the masters through one bastion',
    );
  const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value);
  if (!m) throw new InputError(`ProxyJump ${value} is not [user@]host[:port]`, where, 'write [user@]host[:port]');
  return { user: m[1], host: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] === undefined ? undefined : Number(m[3]) };
}
