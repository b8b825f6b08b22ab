#!/bin/sh
# Hands etcd leadership away from this member before it restarts, so the cluster does not sit
# through a leader election while the member is down (API servers go unready without a leader).
# Args: <kubernetesDir>. Prints `moved <from> <to>`, `not-leader`, or `error <detail>`.
k="$1"
# curl as etcd's healthcheck client (the paths quoted: a kubernetes dir may hold a space)
etcd_curl() { curl -sS --cacert "$k/pki/etcd/ca.crt" --cert "$k/pki/etcd/healthcheck-client.crt" --key "$k/pki/etcd/healthcheck-client.key" "$@"; }
st=$(etcd_curl -m 5 -X POST -d '{}' https://127.0.0.1:2379/v3/maintenance/status 2>&1) || { echo "error $st"; exit 0; }
me=$(printf '%s' "$st" | sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p')
leader=$(printf '%s' "$st" | sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p')
if [ -z "$me" ] || [ -z "$leader" ]; then echo "error unreadable status"; exit 0; fi
[ "$me" = "$leader" ] || { echo not-leader; exit 0; }
ml=$(etcd_curl -m 5 -X POST -d '{}' https://127.0.0.1:2379/v3/cluster/member/list 2>&1) || { echo "error $ml"; exit 0; }
to=$(printf '%s' "$ml" | grep -o '"ID":"[0-9]*"' | sed 's/[^0-9]//g' | grep -v "^$me$" | head -n 1)
[ -n "$to" ] || { echo "error no other member"; exit 0; }
code=$(etcd_curl -m 10 -o /dev/null -w '%{http_code}' -X POST -d "{\"targetID\":\"$to\"}" https://127.0.0.1:2379/v3/maintenance/transfer-leadership 2>&1)
if [ "$code" = 200 ]; then echo "moved $me $to"; else echo "error HTTP $code"; fi
