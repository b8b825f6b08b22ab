#!/bin/sh
# Put in front of the scripts that call etcd's JSON gateway (node-scripts.ts), after they set $k
# (the kubernetes dir). etcd 3.3 (TKEStack up to v1.2.6) serves the gateway under /v3beta only: /v3
# gets Go's plain "404 page not found"; 3.4 serves /v3 and still /v3beta; 3.5 serves /v3 and
# rewrites /v3beta to it. So /v3 first, and /v3beta only after that plain 404 (a JSON answer, even a
# 404 one, is the gateway's own: no second call).
# shellcheck disable=SC2154,SC2034
# curl as etcd's healthcheck client (the paths quoted: a kubernetes dir may hold a space)
etcd_curl() { curl -sS --cacert "$k/pki/etcd/ca.crt" --cert "$k/pki/etcd/healthcheck-client.crt" --key "$k/pki/etcd/healthcheck-client.key" "$@"; }
# etcd_post <max seconds> <gateway path without its prefix> <JSON body>: prints the answer (curl's
# error when there is none); status 0 on HTTP 200. Sets etcd_gw to the prefix that answered.
etcd_post() {
  for etcd_gw in v3 v3beta; do
    r=$(etcd_curl -m "$1" -w '\n%{http_code}' -X POST -d "$3" "https://127.0.0.1:2379/$etcd_gw/$2" 2>&1) || { printf '%s\n' "$r"; return 1; }
    code=$(printf '%s\n' "$r" | tail -n 1); body=$(printf '%s\n' "$r" | sed '$d')
    [ "$etcd_gw" = v3 ] && [ "$code" = 404 ] && [ "${body#404 page not found}" != "$body" ] && continue
    printf '%s\n' "$body"; [ "$code" = 200 ]; return
  done
  printf '%s\n' "$body"; return 1
}
