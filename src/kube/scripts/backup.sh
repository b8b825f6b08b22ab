#!/bin/sh
# Args: <kubernetesDir> <backupRoot> <backupName> <etcdDataDir> <etcd: snapshot|offline|none>
#   <runtime CLI: docker|crictl|-> <etcd container id|-> [kubeconfig files...]
# Makes a NEW directory (mkdir without -p for the leaf: never nests into an existing one), archives
# /etc/kubernetes and the users' kubeconfigs, takes an etcd snapshot, writes SHA256SUMS and verifies
# it. On any failure the partial directory is removed and nothing else was touched.
# The snapshot, first way available: the host's etcdctl; the etcdctl inside the running etcd
# container (TKEStack masters have none on the host), writing into the data directory's mount, which
# kubeadm mounts at the same path; etcd's JSON gateway (/v3, or /v3beta on etcd 3.3:
# maintenance/snapshot streams the database in base64 chunks). Each is bounded in time, so an etcd
# that rejects us cannot hang the run. A way that fails gives way to the next; when every way failed
# the backup fails. Every snapshot must end with the SHA-256 etcd appends to what precedes it (a
# copied database file has none): a truncated stream is not a backup. `offline` (expired
# certificates: etcd rejects every client) copies the data directory of the stopped member
# (offline_copy, etcd-offline-copy.sh, put in front by backup.ts). A live copy of the running
# member's data directory, which may be torn, is made only when no other way exists, and says so
# (`etcd-consistent=no` and why). Last, marks the renewal in progress ($marker in <backupRoot>,
# holding the backup's name) for a re-run to find if this one stops half-way.
# Prints `dir=<path>`, `etcd=<snapshot|copy|none>`, `etcd-via=<host-etcdctl|container-etcdctl|gateway
# /v3|gateway /v3beta|stopped-member|live-copy>`, `etcd-consistent=<yes|no>`, `etcd-db-sha256=<hex>`
# (stopped-member: the database copied), `etcd-note=<why>` and one `etcd-tried=<way>: <error>` per way
# that failed first. $marker (RENEWAL_MARKER_NAME) is set by a line backup.ts puts in front (withConstants).
# shellcheck disable=SC2154
k="$1"; root="$2"; name="$3"; etcddir="$4"; etcdmode="$5"; rt="$6"; cid="$7"; shift 7
umask 077
fail() { echo "$*" >&2; [ -n "${tmp:-}" ] && rm -f -- "$tmp" "$tmp.part"; [ -n "${dir:-}" ] && [ -d "$dir" ] && rm -rf -- "$dir"; exit 1; }
mkdir -p -- "$root" || fail "cannot create $root"
dir="$root/$name"
mkdir -- "$dir" 2>/dev/null || { dir=""; fail "backup directory $root/$name already exists or cannot be created"; }
tar -C / -czf "$dir/etc-kubernetes.tar.gz" "${k#/}" 2>"$dir/tar.err" || fail "archiving $k failed: $(tail -n 2 "$dir/tar.err")"
: > "$dir/kubeconfigs.list"
for f in "$@"; do [ -f "$f" ] && printf '%s\n' "${f#/}" >> "$dir/kubeconfigs.list"; done
if [ -s "$dir/kubeconfigs.list" ]; then
  tar -C / -czf "$dir/kubeconfigs.tar.gz" -T "$dir/kubeconfigs.list" 2>"$dir/tar.err" || fail "archiving kubeconfigs failed: $(tail -n 2 "$dir/tar.err")"
fi
etcd=none; via=; tried=; consistent=; dbsum=; note=
bound=""; command -v timeout >/dev/null 2>&1 && bound="timeout 120"
snap="$dir/etcd-snapshot.db"
# etcd appends the SHA-256 of the database to the snapshot it streams: the last 32 bytes.
verified() {
  n=$(wc -c < "$1") && [ "$n" -gt 32 ] || return 1
  [ "$(head -c $((n - 32)) "$1" | sha256sum | cut -d' ' -f1)" = "$(tail -c 32 "$1" | od -An -v -tx1 | tr -d ' \n')" ]
}
# ETCDCTL_API=3: etcdctl 3.3 (TKEStack up to v1.2.6) still defaults to the v2 API.
host_snapshot() {
  ETCDCTL_API=3 $bound etcdctl --dial-timeout=10s --endpoints=https://127.0.0.1:2379 --cacert="$k/pki/etcd/ca.crt" --cert="$k/pki/etcd/healthcheck-client.crt" --key="$k/pki/etcd/healthcheck-client.key" snapshot save "$snap" >"$dir/etcd.out" 2>&1
}
# The member's own certificates and data directory, mounted at the same paths inside its container.
# The snapshot passes through etcd's own file system: only with room for twice the database and
# 100 MiB more, so etcd itself never runs out of space because of us.
container_snapshot() {
  db=$(du -sk "$etcddir/member/snap/db" 2>/dev/null | cut -f1); free=$(df -Pk "$etcddir" 2>/dev/null | awk 'NR == 2 { print $4 }')
  case "$db$free" in ''|*[!0-9]*) echo "cannot tell the free space beside $etcddir" >"$dir/etcd.out"; return 1 ;; esac
  [ "$free" -gt $((db * 2 + 102400)) ] || { echo "only $free KiB free beside $etcddir for a $db KiB database" >"$dir/etcd.out"; return 1; }
  tmp="$etcddir/kcr-snapshot-$name.db"
  set -- etcdctl --dial-timeout=10s --endpoints=https://127.0.0.1:2379 --cacert="$k/pki/etcd/ca.crt" --cert="$k/pki/etcd/healthcheck-client.crt" --key="$k/pki/etcd/healthcheck-client.key" snapshot save "$tmp"
  case "$rt" in
    docker) $bound docker exec -e ETCDCTL_API=3 "$cid" "$@" >"$dir/etcd.out" 2>&1 ;;
    *) $bound crictl exec "$cid" "$@" >"$dir/etcd.out" 2>&1 ;;
  esac || { rm -f -- "$tmp" "$tmp.part"; tmp=; return 1; }
  mv -f -- "$tmp" "$snap" 2>>"$dir/etcd.out" || { rm -f -- "$tmp"; tmp=; return 1; }
  tmp=
}
# The gateway answers one JSON object a line, each a base64 chunk of the database (the hash last).
gateway_snapshot() {
  for p in v3 v3beta; do
    curl -sS -m 600 --cacert "$k/pki/etcd/ca.crt" --cert "$k/pki/etcd/healthcheck-client.crt" --key "$k/pki/etcd/healthcheck-client.key" -X POST -d '{}' "https://127.0.0.1:2379/$p/maintenance/snapshot" >"$dir/etcd.json" 2>"$dir/etcd.out" || return 1
    # etcd 3.3 has no /v3 (its plain 404 page); a JSON error is the gateway's own answer.
    if [ "$p" = v3 ] && [ "$(head -c 18 "$dir/etcd.json")" = "404 page not found" ]; then continue; fi
    via="gateway /$p"
    if grep -q '"error"' "$dir/etcd.json" || ! grep -q '"blob"' "$dir/etcd.json"; then head -c 300 "$dir/etcd.json" >"$dir/etcd.out"; return 1; fi
    sed -n 's/.*"blob":"\([^"]*\)".*/\1/p' "$dir/etcd.json" | while IFS= read -r b; do printf '%s' "$b" | base64 -d || exit 1; done >"$snap" 2>"$dir/etcd.out"
    return
  done
  cat "$dir/etcd.json" >"$dir/etcd.out"; return 1
}
try() { # <way> <function>: a verified snapshot, or the way's error recorded for the report
  "$2" && verified "$snap" && { via=${via:-$1}; etcd=snapshot; return 0; }
  [ -f "$snap" ] && ! verified "$snap" && echo "not a complete snapshot (no matching SHA-256 trailer)" >>"$dir/etcd.out"
  tried="${tried}$1: $(tail -n 2 "$dir/etcd.out" | tr '\n' ' ' | sed 's/ *$//')
"; rm -f -- "$snap" "$snap.part"; via=; return 1
}
if [ "$etcdmode" = snapshot ]; then
  ways=0
  if command -v etcdctl >/dev/null 2>&1; then ways=$((ways + 1)); try host-etcdctl host_snapshot; fi
  if [ "$etcd" = none ] && [ "$cid" != - ] && [ "$rt" != - ] && command -v "$rt" >/dev/null 2>&1; then ways=$((ways + 1)); try container-etcdctl container_snapshot; fi
  if [ "$etcd" = none ] && command -v curl >/dev/null 2>&1; then ways=$((ways + 1)); try gateway gateway_snapshot; fi
  [ "$etcd" = snapshot ] || [ "$ways" = 0 ] || fail "etcd snapshot failed: $(printf '%s' "$tried" | sed '$!s/$/;/' | tr '\n' ' ' | sed 's/ *$//')"
fi
[ "$etcd" = snapshot ] && consistent=yes
if [ "$etcdmode" = offline ] && offline_copy; then etcd=copy; fi
if [ "$etcdmode" != none ] && [ "$etcd" = none ]; then
  # A running etcd keeps writing its WAL (even without quorum: terms, elections). GNU tar's exit
  # status 1 means "a file changed as we read it": the copy is live, as the report says.
  tar -C / -czf "$dir/etcd-data.tar.gz" "${etcddir#/}" 2>"$dir/tar.err"; rc=$?
  [ "$rc" -le 1 ] || fail "copying $etcddir failed: $(tail -n 2 "$dir/tar.err")"
  etcd=copy; via=live-copy; consistent=no; note=${note:-no way to take a snapshot (no etcdctl, no etcd container, no curl)}
fi
rm -f "$dir/tar.err" "$dir/etcd.out" "$dir/etcd.json"
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
if [ -n "$via" ]; then echo "etcd-via=$via"; fi
if [ -n "$consistent" ]; then echo "etcd-consistent=$consistent"; fi
if [ -n "$dbsum" ]; then echo "etcd-db-sha256=$dbsum"; fi
if [ -n "$note" ]; then echo "etcd-note=$note"; fi
printf '%s' "$tried" | sed 's/^/etcd-tried=/'
