#!/bin/sh
# Hands etcd leadership away from this member before it restarts, so the cluster does not sit
# through a leader election while the member is down (API servers go unready without a leader).
# Args: <kubernetesDir>. Prints `moved <from> <to>`, `not-leader`, or `error <detail>`.
# shellcheck disable=SC2034 # k is read by etcd-gateway.sh's functions
k="$1"
# etcd_post (/v3, or /v3beta on etcd 3.3) comes from etcd-gateway.sh, put in front.
st=$(etcd_post 5 maintenance/status '{}') || { echo "error $st"; exit 0; }
me=$(printf '%s' "$st" | sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p')
leader=$(printf '%s' "$st" | sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p')
if [ -z "$me" ] || [ -z "$leader" ]; then echo "error unreadable status"; exit 0; fi
[ "$me" = "$leader" ] || { echo not-leader; exit 0; }
ml=$(etcd_post 5 cluster/member/list '{}') || { echo "error $ml"; exit 0; }
to=$(printf '%s' "$ml" | grep -o '"ID":"[0-9]*"' | sed 's/[^0-9]//g' | grep -v "^$me$" | head -n 1)
[ -n "$to" ] || { echo "error no other member"; exit 0; }
if r=$(etcd_post 10 maintenance/transfer-leadership "{\"targetID\":\"$to\"}"); then echo "moved $me $to"; else echo "error $(printf '%s' "$r" | head -c 200)"; fi
