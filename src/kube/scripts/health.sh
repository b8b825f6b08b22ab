#!/bin/sh
# Control-plane health as seen from one master, in one round trip. Args: <kubernetesDir> then the
# etcd client URLs to probe (from the member list; none on the first call). Prints sections.
k="$1"; shift
s() { printf '\n@@KCR %s\n' "$*"; }
# etcd_curl and etcd_post (/v3, or /v3beta on etcd 3.3) come from etcd-gateway.sh, put in front.
s apiserver-readyz; curl -sS -m 5 -w '\n%{http_code}' --resolve kubernetes:6443:127.0.0.1 --cacert "$k/pki/ca.crt" https://kubernetes:6443/readyz 2>&1
s controller-manager-healthz; curl -sSk -m 5 -w '\n%{http_code}' https://127.0.0.1:10257/healthz 2>&1
s scheduler-healthz; curl -sSk -m 5 -w '\n%{http_code}' https://127.0.0.1:10259/healthz 2>&1
s etcd-members; etcd_post 5 cluster/member/list '{}'
s etcd-gateway; echo "${etcd_gw:-}"
for u in "$@"; do s etcd-health "$u"; etcd_curl -m 5 "$u/health" 2>&1; done
s served-apiserver; openssl s_client -connect 127.0.0.1:6443 -servername kubernetes -showcerts </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
s served-etcd; openssl s_client -connect 127.0.0.1:2379 -cert "$k/pki/etcd/healthcheck-client.crt" -key "$k/pki/etcd/healthcheck-client.key" -showcerts </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
s disk-apiserver; cat "$k/pki/apiserver.crt" 2>/dev/null
s disk-etcd; cat "$k/pki/etcd/server.crt" 2>/dev/null
