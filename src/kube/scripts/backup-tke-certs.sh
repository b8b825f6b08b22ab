#!/bin/sh
# Args: <kubeconfig> <node backup file>. Saves TKEStack's tke/certs ConfigMap (it holds keys: mode
# 0600) on the node.
kc="$1"; bak="$2"
umask 077
mkdir -p -- "$(dirname -- "$bak")" || exit 1
kubectl --kubeconfig "$kc" --cache-dir /tmp/kube-cert-renew-kubectl-cache -n tke get cm certs -o yaml > "$bak" || { rm -f -- "$bak"; echo "cannot back up tke/certs" >&2; exit 1; }
