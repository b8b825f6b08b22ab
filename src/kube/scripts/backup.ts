// Backup and restore scripts (constants; values come as positional parameters).
import { RENEWAL_MARKER_NAME } from '../paths.js';

/**
 * Args: <kubernetesDir> <backupRoot> <backupName> <etcdDataDir> <etcd: snapshot|copy|none> [kubeconfig files...]
 * Makes a NEW directory (mkdir without -p for the leaf: never nests into an existing one), archives
 * /etc/kubernetes and the users' kubeconfigs, takes an etcd snapshot (or copies the data dir when
 * etcdctl is absent, or when asked to: expired certificates make a snapshot impossible; the
 * snapshot is bounded in time so an etcd that rejects us cannot hang the run), writes SHA256SUMS
 * and verifies it. On any failure the partial directory is
 * removed and nothing else was touched. Last, marks the renewal in progress (RENEWAL_MARKER_NAME in
 * <backupRoot>, holding the backup's name) for a re-run to find if this one stops half-way. Prints `dir=<path>` and `etcd=<snapshot|copy|none>`.
 */
export const BACKUP_SCRIPT = `
k="$1"; root="$2"; name="$3"; etcddir="$4"; etcdmode="$5"; shift 5
umask 077
fail() { echo "$*" >&2; [ -n "\${dir:-}" ] && [ -d "$dir" ] && rm -rf -- "$dir"; exit 1; }
mkdir -p -- "$root" || fail "cannot create $root"
dir="$root/$name"
mkdir -- "$dir" 2>/dev/null || { dir=""; fail "backup directory $root/$name already exists or cannot be created"; }
tar -C / -czf "$dir/etc-kubernetes.tar.gz" "\${k#/}" 2>"$dir/tar.err" || fail "archiving $k failed: $(tail -n 2 "$dir/tar.err")"
: > "$dir/kubeconfigs.list"
for f in "$@"; do [ -f "$f" ] && printf '%s\\n' "\${f#/}" >> "$dir/kubeconfigs.list"; done
if [ -s "$dir/kubeconfigs.list" ]; then
  tar -C / -czf "$dir/kubeconfigs.tar.gz" -T "$dir/kubeconfigs.list" 2>"$dir/tar.err" || fail "archiving kubeconfigs failed: $(tail -n 2 "$dir/tar.err")"
fi
etcd=none
if [ "$etcdmode" != none ]; then
  if [ "$etcdmode" = snapshot ] && command -v etcdctl >/dev/null 2>&1; then
    bound=""; command -v timeout >/dev/null 2>&1 && bound="timeout 120"
    ETCDCTL_API=3 $bound etcdctl --dial-timeout=10s --endpoints=https://127.0.0.1:2379 --cacert="$k/pki/etcd/ca.crt" --cert="$k/pki/etcd/healthcheck-client.crt" --key="$k/pki/etcd/healthcheck-client.key" snapshot save "$dir/etcd-snapshot.db" >"$dir/etcd.out" 2>&1 || fail "etcd snapshot failed: $(tail -n 2 "$dir/etcd.out")"
    etcd=snapshot
  else
    # A running etcd keeps writing its WAL (even without quorum: terms, elections). GNU tar's exit
    # status 1 means "a file changed as we read it": the copy is live, as the warning says.
    tar -C / -czf "$dir/etcd-data.tar.gz" "\${etcddir#/}" 2>"$dir/tar.err"; rc=$?
    [ "$rc" -le 1 ] || fail "copying $etcddir failed: $(tail -n 2 "$dir/tar.err")"
    etcd=copy
  fi
fi
rm -f "$dir/tar.err" "$dir/etcd.out"
( cd "$dir" && sha256sum -- *.tar.gz $( [ -f etcd-snapshot.db ] && echo etcd-snapshot.db ) > SHA256SUMS && sha256sum -c --quiet SHA256SUMS ) >/dev/null 2>&1 || fail "backup checksum verification failed (disk full?)"
tar -tzf "$dir/etc-kubernetes.tar.gz" >/dev/null 2>&1 || fail "backup archive unreadable"
printf '%s\\n' "$name" > "$root/${RENEWAL_MARKER_NAME}.tmp" && mv -f -- "$root/${RENEWAL_MARKER_NAME}.tmp" "$root/${RENEWAL_MARKER_NAME}" || fail "cannot record the renewal in progress in $root"
echo "dir=$dir"
echo "etcd=$etcd"
`;

/** Args: <backupRoot>. The master's renewal finished: its in-progress marker goes. */
export const RENEWAL_FINISHED_SCRIPT = `rm -f -- "$1/${RENEWAL_MARKER_NAME}"`;

/**
 * Args: <backupDir>. Verifies SHA256SUMS, then restores /etc/kubernetes (certificates, keys,
 * kubeconfigs, manifests as they were) and the users' kubeconfigs. Never touches etcd data:
 * restoring it would lose the writes made since.
 */
export const RESTORE_SCRIPT = `
dir="$1"
[ -d "$dir" ] || { echo "backup $dir not found" >&2; exit 1; }
( cd "$dir" && sha256sum -c --quiet SHA256SUMS ) >/dev/null 2>&1 || { echo "backup $dir fails its checksums; not restoring" >&2; exit 1; }
tar -C / -xzf "$dir/etc-kubernetes.tar.gz" || { echo "restoring /etc/kubernetes failed" >&2; exit 1; }
if [ -f "$dir/kubeconfigs.tar.gz" ]; then tar -C / -xzf "$dir/kubeconfigs.tar.gz" || { echo "restoring kubeconfigs failed" >&2; exit 1; }; fi
echo restored
`;

/** Args: <source> <destination> <owner> <group>. Atomic copy with mode 0600, owned by the user;
 *  prints `src=<sha256>` and `dst=<sha256>` so the caller can check the copy. */
export const COPY_KUBECONFIG_SCRIPT = `
src="$1"; dst="$2"; owner="$3"; group="$4"
d=$(dirname -- "$dst")
[ -d "$d" ] || { mkdir -p -- "$d" && chown "$owner:$group" "$d" && chmod 700 "$d"; } || exit 1
tmp="$dst.kcr-tmp.$$"
install -m 600 -o "$owner" -g "$group" -- "$src" "$tmp" && mv -f -- "$tmp" "$dst" || { rm -f -- "$tmp"; exit 1; }
printf 'src=%s\n' "$(sha256sum -- "$src" | cut -d' ' -f1)"
printf 'dst=%s\n' "$(sha256sum -- "$dst" | cut -d' ' -f1)"
`;

/** Args: <user>. Prints `home group` of a local user. */
export const USER_HOME_SCRIPT = `
line=$(getent passwd "$1") || exit 1
home=$(printf '%s' "$line" | cut -d: -f6); gid=$(printf '%s' "$line" | cut -d: -f4)
group=$(getent group "$gid" | cut -d: -f1)
printf '%s %s\\n' "$home" "\${group:-$gid}"
`;
