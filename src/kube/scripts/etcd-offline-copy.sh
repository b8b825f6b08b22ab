#!/bin/sh
# Functions for backup.sh, put in front of it by backup.ts: a consistent copy of the local etcd
# member's data directory, taken while the member is stopped. For expired certificates: etcd then
# rejects every client (no snapshot can be taken) and serves nobody, so stopping it costs nothing.
# As an operator would (kubeadm-certs.md): move the static pod manifest out of the manifests
# directory, wait until the runtime lists no running etcd container (the kubelet stopped it), copy
# the data directory, check the copy (the bbolt magic of member/snap/db in the copy and on disk, the
# SHA-256 of both equal), move the manifest back and wait until etcd runs again, the same container
# for a few seconds. On any failure, or the session's end, the manifest goes back (EXIT trap).
# The manifest is parked beside the manifests directory ($parked: same file system, so both moves
# are renames the kubelet never sees half-done); a parked file left by a killed run is refused.
# Uses backup.sh's $k $etcddir $rt $dir and fail(); $stopwait and $startwait (seconds) come from
# backup.ts (withConstants). Sets $via, $consistent, $dbsum, $note.
# backup.sh reads what these functions set.
# shellcheck disable=SC2154,SC2034

# Running etcd containers (their ids, one a line; empty when none), by the kubelet's label.
etcd_ids() {
  case "$rt" in
    docker) docker ps -q --no-trunc -f label=io.kubernetes.container.name=etcd ;;
    crictl) crictl ps -q --label io.kubernetes.container.name=etcd ;;
    *) return 1 ;;
  esac
}

# <gone|running> <seconds>. running: the same single container seen three times in a row (2 s), so
# a member that dies at start is not taken for one that runs. A runtime CLI that fails proves nothing.
wait_etcd() {
  n="$2"; last=; seen=0
  while [ "$n" -gt 0 ]; do
    if ids=$(etcd_ids 2>/dev/null); then
      case "$1" in
        gone) [ -z "$ids" ] && return 0 ;;
        running)
          if [ -n "$ids" ] && [ "$ids" = "$last" ]; then seen=$((seen + 1)); else seen=1; fi
          last=$ids; [ -n "$ids" ] && [ "$seen" -ge 3 ] && return 0 ;;
      esac
    fi
    sleep 1; n=$((n - 1))
  done
  return 1
}

# The manifest back where the kubelet reads it; never over one put there meanwhile.
unpark() {
  [ -n "${parked:-}" ] && [ -f "$parked" ] || return 0
  if [ -e "$manifest" ]; then
    echo "$manifest exists again; the etcd manifest moved out by this backup stays at $parked" >&2
    return 1
  fi
  mv -- "$parked" "$manifest" || { echo "cannot move $parked back to $manifest: do it by hand" >&2; return 1; }
  parked=
}

# bbolt's first meta page: magic 0xED0CDAED and version 2, little-endian, at offset 16.
bbolt_head_ok() {
  [ "$(head -c 24 | od -An -v -tx1 | tr -d ' \n' | cut -c33-48)" = edda0ced02000000 ]
}

# A stopped-member copy into $dir/etcd-data.tar.gz. Returns 1 (with $note) when the member cannot be
# stopped by this way at all (nothing was changed); fails the backup when a step after the stop fails.
offline_copy() {
  manifest="$k/manifests/etcd.yaml"; parked="$k/etcd.yaml.moved-out-by-kube-cert-renew"
  db="${etcddir#/}/member/snap/db"
  [ -f "$manifest" ] || { note="no $manifest to stop the member with"; parked=; return 1; }
  case "$rt" in docker|crictl) ;; *) note="no container runtime known to see the member stop"; parked=; return 1 ;; esac
  command -v "$rt" >/dev/null 2>&1 || { note="no $rt to see the member stop"; parked=; return 1; }
  was=$(etcd_ids 2>/dev/null) || { note="$rt cannot list containers"; parked=; return 1; }
  if [ -e "$parked" ]; then parked=; fail "$k/etcd.yaml.moved-out-by-kube-cert-renew exists (left by an interrupted run?): put it back as $manifest, or remove it, first"; fi
  trap unpark EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mv -- "$manifest" "$parked" || { parked=; fail "cannot move $manifest out"; }
  wait_etcd gone "$stopwait" || fail "etcd still runs ${stopwait}s after its manifest was moved out (manifest put back)"
  [ -f "/$db" ] || fail "no /$db in the stopped member's data (manifest put back)"
  tar -C / -czf "$dir/etcd-data.tar.gz" "${etcddir#/}" 2>"$dir/tar.err" || fail "copying the stopped member's $etcddir failed: $(tail -n 2 "$dir/tar.err") (manifest put back)"
  bbolt_head_ok <"/$db" || fail "/$db is not a bbolt database (no magic): not copied (manifest put back)"
  dbsum=$(sha256sum <"/$db" | cut -d' ' -f1)
  tar -xzOf "$dir/etcd-data.tar.gz" "$db" 2>/dev/null | bbolt_head_ok || fail "the copy of /$db is not a bbolt database (manifest put back)"
  [ "$(tar -xzOf "$dir/etcd-data.tar.gz" "$db" 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$dbsum" ] || fail "the copy of /$db differs from the stopped member's (manifest put back)"
  unpark || fail "etcd manifest not put back"
  # A member that was not running before (crash-looping) is only given its manifest back.
  if [ -n "$was" ]; then
    wait_etcd running "$startwait" || fail "etcd does not run again ${startwait}s after its manifest was put back"
  else
    note="etcd was not running before the backup; its manifest is back"
  fi
  trap - EXIT HUP INT TERM
  via=stopped-member; consistent=yes
}
