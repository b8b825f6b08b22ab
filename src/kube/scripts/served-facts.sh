#!/bin/sh
# What a master serves, for `check`. Args: <kubernetesDir> <docker|crictl|none>. Prints the
# certificates served on :6443 and :2379 and the kube-apiserver container's inspect output.
k="$1"; cli="$2"
s() { printf '\n@@KCR %s\n' "$*"; }
s served-apiserver; openssl s_client -connect 127.0.0.1:6443 -servername kubernetes -showcerts </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
s served-etcd; [ -f "$k/manifests/etcd.yaml" ] && openssl s_client -connect 127.0.0.1:2379 -cert "$k/pki/etcd/healthcheck-client.crt" -key "$k/pki/etcd/healthcheck-client.key" -showcerts </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
s apiserver-inspect
case "$cli" in
  docker) id=$(docker ps -q --no-trunc -f label=io.kubernetes.container.name=kube-apiserver 2>/dev/null | head -n 1); [ -n "$id" ] && docker inspect -f '{{.State.StartedAt}}' "$id" 2>/dev/null ;;
  crictl) id=$(crictl ps -q --label io.kubernetes.container.name=kube-apiserver 2>/dev/null | head -n 1); [ -n "$id" ] && crictl inspect "$id" 2>/dev/null ;;
esac
