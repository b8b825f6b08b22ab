#!/bin/sh
# Node facts. Args: <kubernetesDir> <kubeadm install dir> <backup root> then items `crt:<rel path>`,
# `key:<rel path>`, `conf:<rel path>` (a kubeconfig and its key), `confpub:<rel path>` (a kubeconfig,
# no key) and `hash:<rel path>`. For keys only the public half is printed (`openssl pkey -pubout`),
# compared with the certificate's here. No private key leaves the node.
# It runs on every node of a fleet check, so it starts as few processes as it can (~30 on a master,
# ~10 on a worker): one awk for all the files (node-facts.awk), one openssl per private key, the
# runtime CLIs only where a kube-apiserver manifest says one runs, `sha256sum`/`du`/`df` output
# parsed as printed (one `du`, one `sha256sum`). Prints sections `@@KCR <name> [<arg>]` (see parseSections).
# $facts_awk (node-facts.awk) and $marker (RENEWAL_MARKER_NAME) are set by lines node-scripts.ts
# puts in front (withConstants).
# shellcheck disable=SC2154
k="$1"; bindir="$2"; backups="$3"; shift 3
s() { printf '\n@@KCR %s\n' "$*"; }
s arch; uname -m
s now; date -u +%s
s uid; id -u
s hostname; hostname
s manifests; for f in "$k"/manifests/*; do [ -e "$f" ] && printf '%s\n' "${f##*/}"; done
s kubeadm-path; command -v kubeadm 2>/dev/null
s kubeadm-version; kubeadm version -o short 2>/dev/null
s kubeadm-provisioned
for f in "$bindir"/kubeadm-v*; do [ -x "$f" ] && printf '%s %s\n' "$f" "$("$f" version -o short 2>/dev/null)"; done
cp=; [ -f "$k/manifests/kube-apiserver.yaml" ] && cp=1
s runtime-docker; if [ -n "$cp" ] && command -v docker >/dev/null 2>&1; then docker ps -q --no-trunc -f label=io.kubernetes.container.name=kube-apiserver 2>/dev/null; echo "rc=$?"; fi
s runtime-crictl; if [ -n "$cp" ] && command -v crictl >/dev/null 2>&1; then crictl ps -q --label io.kubernetes.container.name=kube-apiserver 2>/dev/null; echo "rc=$?"
  # which runtime crictl talks to: `RuntimeName:  docker` through dockershim (docker masters have crictl too)
  s runtime-crictl-version; crictl version 2>/dev/null; fi
s kubelet; systemctl is-active kubelet 2>/dev/null
# only when an earlier run left its in-progress marker (see RENEWAL_MARKER_NAME)
if [ -f "$backups/$marker" ]; then s renewal-marker; cat -- "$backups/$marker" 2>/dev/null; fi
# the nearest existing parent, by parameter expansion (no `dirname` process per level)
s df; d="$backups"; while [ ! -d "$d" ]; do d=${d%/*}; [ -n "$d" ] || d=/; done; df -Pk "$d" 2>/dev/null
# one `du` for both (its lines name their folder; see parseNodeFacts)
s du; if [ -d /var/lib/etcd ]; then du -sk "$k" /var/lib/etcd 2>/dev/null; else du -sk "$k" 2>/dev/null; fi
cd "$k" 2>/dev/null || exit 0
awk "$facts_awk" "$@"
for item in "$@"; do
  kind=${item%%:*}; rel=${item#*:}
  case "$kind" in
    key) s key "$rel"; if [ -f "$rel" ]; then openssl pkey -in "$rel" -pubout 2>/dev/null; else echo MISSING; fi ;;
    conf) [ -f "$rel" ] || continue
      s confkey "$rel"
      v=$(sed -n -e '/^ *client-key-data: */{s//D /p;q;}' -e '/^ *client-key: */{s//P /p;q;}' "$rel")
      case "$v" in
        D\ ?*) printf '%s' "${v#D }" | base64 -d 2>/dev/null | openssl pkey -pubout 2>/dev/null ;;
        P\ ?*) [ -f "${v#P }" ] && openssl pkey -in "${v#P }" -pubout 2>/dev/null ;;
      esac ;;
  esac
done
# One `sha256sum` for every `hash:` file there is (a missing one says MISSING); its lines are split
# back into `hash <rel>` sections by `read`, a builtin. The function's own "$@" collects the files.
hashes() {
  for item; do
    shift
    case "$item" in hash:*)
      rel=${item#hash:}
      if [ -f "$rel" ]; then set -- "$@" "$rel"; else s hash "$rel"; echo MISSING; fi ;;
    esac
  done
  [ $# -eq 0 ] || sha256sum -- "$@" | while read -r sum file; do s hash "$file"; printf '%s  %s\n' "$sum" "$file"; done
}
hashes "$@"
