#!/bin/sh
# Args: <kubernetesDir> <docker|crictl|none> <brief|full> then items `<component>:<file>[:<file>...]` (files
# relative to kubernetesDir, the credentials the component loads). Per component prints sections
# `changed <component>` (the first file's ctime, seconds: tar and kubeadm cannot set it back, so it
# moves on every renewal and every restore), `files <component>` (one line per file present: its
# mtime in seconds, a space, its path) and `started <component>` (the running container's `docker
# inspect` start time or `crictl inspect` JSON; empty when none); `full` adds `auth-errors
# <component>` (the last authentication errors in the running container's last 500 log lines), then
# `now` (the node's clock) and,
# read without credentials, the certificates whose subject names the serving process's start
# (`…@<unix>`): `served-start kube-apiserver` (SNI apiserver-loopback-client on :6443),
# `served-start kube-controller-manager` (:10257), `served-start kube-scheduler` (:10259).
set -f
k="$1"; cli="$2"; detail="$3"; shift 3
s() { printf '\n@@KCR %s\n' "$*"; }
for item in "$@"; do
  c=${item%%:*}; rest=${item#*:}
  s changed "$c"; stat -c %Z -- "$k/${rest%%:*}" 2>/dev/null
  s files "$c"
  IFS=:; for rel in $rest; do stat -c '%Y %n' -- "$k/$rel" 2>/dev/null; done; unset IFS
  s started "$c"
  case "$cli" in
    docker) id=$(docker ps -q --no-trunc -f "label=io.kubernetes.container.name=$c" 2>/dev/null | head -n 1); [ -n "$id" ] && docker inspect -f '{{.State.StartedAt}}' "$id" 2>/dev/null ;;
    crictl) id=$(crictl ps -q --label "io.kubernetes.container.name=$c" 2>/dev/null | head -n 1); [ -n "$id" ] && crictl inspect "$id" 2>/dev/null ;;
    *) id= ;;
  esac
  [ "$detail" = full ] || continue
  s auth-errors "$c"
  [ -n "$id" ] && "$cli" logs --tail 500 "$id" 2>&1 | grep -E 'Unauthorized|x509: |certificate has expired|unknown authority' | tail -n 3
done
[ "$detail" = full ] || exit 0
s now; date +%s
served() { timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername "$2" </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' | sed -n '1,/-----END CERTIFICATE-----/p'; }
s served-start kube-apiserver; served 6443 apiserver-loopback-client
s served-start kube-controller-manager; served 10257 localhost
s served-start kube-scheduler; served 10259 localhost
