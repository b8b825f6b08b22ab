// Which of a master's backups go when only the newest N are kept. Only names this tool gives its
// own backups are candidates: `<UTC stamp>-<host>-<6 hex>` directories (backup.ts) of THIS host, and
// `tke-certs-<UTC stamp>.yaml` files (tke-certs-configmap.ts). Anything else in the folder, another
// host's backups, the in-progress marker, an operator's own copy, is never selected.

/** Backups kept per master when --keep-backups is not given. */
export const KEEP_BACKUPS_DEFAULT = 5;

const STAMP = String.raw`\d{8}T\d{6}Z`;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What the node listed: a finished backup directory (it has SHA256SUMS) or a regular file. */
export interface BackupEntry {
  kind: 'dir' | 'file';
  name: string;
}

/** Parses the `list` output of prune-backups.sh (`dir <name>` / `file <name>` lines). */
export function parseBackupList(output: string): BackupEntry[] {
  return output.split('\n').flatMap((line): BackupEntry[] => {
    const m = /^(dir|file) (.+)$/.exec(line);
    return m ? [{ kind: m[1] as 'dir' | 'file', name: m[2]! }] : [];
  });
}

export interface RetentionRule {
  host: string;
  /** How many of each kind to keep, the newest. */
  keep: number;
  /** Names never selected (the backup of this very run). */
  protect?: readonly string[];
  /** Backup directories a real run would have made by now and a dry run did not: each takes a place. */
  pendingDirs?: number;
}

/** The names to remove: per kind, all of this tool's own beyond the newest `keep`, oldest first. */
export function selectBackupsToRemove(entries: readonly BackupEntry[], rule: RetentionRule): string[] {
  const hostDir = new RegExp(`^${STAMP}-${escapeRegExp(rule.host)}-[0-9a-f]{6}$`);
  const tkeFile = new RegExp(`^tke-certs-${STAMP}\\.yaml$`);
  const protect = new Set(rule.protect ?? []);
  const beyond = (names: string[], keep: number): string[] =>
    // The stamp leads the name, so the name order is the time order.
    [...names].sort().reverse().slice(Math.max(keep, 0)).reverse();
  const dirs = entries.filter((e) => e.kind === 'dir' && hostDir.test(e.name)).map((e) => e.name);
  const files = entries.filter((e) => e.kind === 'file' && tkeFile.test(e.name)).map((e) => e.name);
  return [...beyond(dirs, rule.keep - (rule.pendingDirs ?? 0)), ...beyond(files, rule.keep)].filter(
    (name) => !protect.has(name),
  );
}
