#!/bin/sh
# Args: <kubernetesDir> <docker|crictl> then items `<component>:<file relative to kubernetesDir>`.
# Per component prints sections `changed <component>` (the file's ctime, seconds: tar and kubeadm
# cannot set it back, so it moves on every renewal and every restore) and `started <component>`
# (the running container's `docker inspect` start time or `crictl inspect` JSON; empty when none).
k="$1"; cli="$2"; shift 2
s() { printf '\n@@KCR %s\n' "$*"; }
for item in "$@"; do
  c=${item%%:*}; rel=${item#*:}
  s changed "$c"; stat -c %Z -- "$k/$rel" 2>/dev/null
  s started "$c"
  case "$cli" in
    docker) id=$(docker ps -q --no-trunc -f "label=io.kubernetes.container.name=$c" 2>/dev/null | head -n 1); [ -n "$id" ] && docker inspect -f '{{.State.StartedAt}}' "$id" 2>/dev/null ;;
    crictl) id=$(crictl ps -q --label "io.kubernetes.container.name=$c" 2>/dev/null | head -n 1); [ -n "$id" ] && crictl inspect "$id" 2>/dev/null ;;
  esac
done
