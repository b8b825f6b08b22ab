// What backup.sh says about the etcd part of a backup, and how the report says it: which method,
// and whether the copy is consistent. A live copy of a running member's data directory may be torn;
// it is always named as such, with the reason no consistent way was available. Pure: no I/O.

export type EtcdBackupKind = 'snapshot' | 'copy' | 'none';

export interface EtcdBackup {
  kind: EtcdBackupKind;
  /** host-etcdctl, container-etcdctl, gateway /v3, gateway /v3beta, stopped-member, live-copy. */
  via?: string;
  /** A snapshot, or the copy of a stopped member: true; a live copy: false; no etcd backup: undefined. */
  consistent?: boolean;
  /** SHA-256 of member/snap/db as copied from the stopped member (the same in the archive). */
  dbSha256?: string;
  /** Why a live copy was made, or what else the script noticed. */
  note?: string;
  /** Ways that failed before the one that worked: `<way>: <error>`. */
  tried: string[];
}

const line = (stdout: string, key: string): string | undefined => new RegExp(`^${key}=(.+)$`, 'm').exec(stdout)?.[1];

export function parseEtcdBackup(stdout: string): EtcdBackup {
  const kind = line(stdout, 'etcd');
  const consistent = line(stdout, 'etcd-consistent');
  return {
    kind: kind === 'snapshot' || kind === 'copy' ? kind : 'none',
    via: line(stdout, 'etcd-via'),
    consistent: consistent === 'yes' ? true : consistent === 'no' ? false : undefined,
    dbSha256: line(stdout, 'etcd-db-sha256'),
    note: line(stdout, 'etcd-note'),
    tried: [...stdout.matchAll(/^etcd-tried=(.+)$/gm)].map((m) => m[1]!),
  };
}

/** The etcd part of the backup line: the method, whether it is consistent, and what failed first. */
export function describeEtcdBackup(b: EtcdBackup): string {
  const before = b.tried.length > 0 ? `; first tried ${b.tried.join('; ')}` : '';
  if (b.kind === 'none') return 'none';
  if (b.kind === 'snapshot')
    return `snapshot${b.via ? ` via ${b.via}` : ''}, SHA-256 trailer verified, consistent${before}`;
  if (b.via === 'stopped-member')
    return `data directory copied with the member stopped (certificates expired: no client can take a snapshot), bbolt database and SHA-256 of the copy verified, consistent; ${b.note ?? 'member running again'}`;
  return `data directory copied live, MAY BE INCONSISTENT (${b.note ?? 'no consistent way available'})${before}`;
}
