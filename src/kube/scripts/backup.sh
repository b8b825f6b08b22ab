#!/bin/sh
# Args: <kubernetesDir> <backupRoot> <backupName> <etcdDataDir> <etcd: snapshot|copy|none> [kubeconfig files...]
# Makes a NEW directory (mkdir without -p for the leaf: never nests into an existing one), archives
# /etc/kubernetes and the users' kubeconfigs, takes an etcd snapshot (or copies the data dir when
# etcdctl is absent, or when asked to: expired certificates make a snapshot impossible; the
# snapshot is bounded in time so an etcd that rejects us cannot hang the run), writes SHA256SUMS
# and verifies it. On any failure the partial directory is removed and nothing else was touched.
# Last, marks the renewal in progress ($marker in <backupRoot>, holding the backup's name) for a
# re-run to find if this one stops half-way. Prints `dir=<path>` and `etcd=<snapshot|copy|none>`.
# $marker (RENEWAL_MARKER_NAME) is set by a line backup.ts puts in front (withConstants).
# shellcheck disable=SC2154
k="$1"; root="$2"; name="$3"; etcddir="$4"; etcdmode="$5"; shift 5
umask 077
fail() { echo "$*" >&2; [ -n "${dir:-}" ] && [ -d "$dir" ] && rm -rf -- "$dir"; exit 1; }
mkdir -p -- "$root" || fail "cannot create $root"
dir="$root/$name"
mkdir -- "$dir" 2>/dev/null || { dir=""; fail "backup directory $root/$name already exists or cannot be created"; }
tar -C / -czf "$dir/etc-kubernetes.tar.gz" "${k#/}" 2>"$dir/tar.err" || fail "archiving $k failed: $(tail -n 2 "$dir/tar.err")"
: > "$dir/kubeconfigs.list"
for f in "$@"; do [ -f "$f" ] && printf '%s\n' "${f#/}" >> "$dir/kubeconfigs.list"; done
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
    tar -C / -czf "$dir/etcd-data.tar.gz" "${etcddir#/}" 2>"$dir/tar.err"; rc=$?
    [ "$rc" -le 1 ] || fail "copying $etcddir failed: $(tail -n 2 "$dir/tar.err")"
    etcd=copy
  fi
fi
rm -f "$dir/tar.err" "$dir/etcd.out"
(
  cd "$dir" || exit 1
  set -- *.tar.gz
  if [ -f etcd-snapshot.db ]; then set -- "$@" etcd-snapshot.db; fi
  sha256sum -- "$@" > SHA256SUMS && sha256sum -c --quiet SHA256SUMS
) >/dev/null 2>&1 || fail "backup checksum verification failed (disk full?)"
tar -tzf "$dir/etc-kubernetes.tar.gz" >/dev/null 2>&1 || fail "backup archive unreadable"
{ printf '%s\n' "$name" > "$root/$marker.tmp" && mv -f -- "$root/$marker.tmp" "$root/$marker"; } || fail "cannot record the renewal in progress in $root"
echo "dir=$dir"
echo "etcd=$etcd"
