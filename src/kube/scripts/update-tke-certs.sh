#!/bin/sh
# Args: <kubeconfig> <crt> <key>. Replaces `etcd.crt`/`etcd.key` in TKEStack's tke/certs ConfigMap
# with the renewed apiserver-etcd-client pair. The key goes from the file into kubectl's stdin
# through shell builtins: never on a command line.
kc="$1"; crt="$2"; key="$3"
umask 077
esc() { awk '{printf "%s\\n", $0}' "$1"; }
c=$(esc "$crt") || exit 1
k=$(esc "$key") || exit 1
printf '{"data":{"etcd.crt":"%s","etcd.key":"%s"}}' "$c" "$k" | kubectl --kubeconfig "$kc" --cache-dir /tmp/kube-cert-renew-kubectl-cache -n tke patch cm certs --type merge --patch-file /dev/stdin
