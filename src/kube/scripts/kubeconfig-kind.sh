#!/bin/sh
# Args: <kubeconfig>. What credential it holds, printing no secret: `missing`, `token` (a bearer
# token: TKEStack's /root/.kube/config, which never expires), `cert <client-certificate-data>` (the
# first user's certificate: public), or `other`.
f="$1"
[ -f "$f" ] || { echo missing; exit 0; }
if grep -Eq '^[[:space:]]*token:[[:space:]]*[^[:space:]]' "$f"; then echo token; exit 0; fi
c=$(sed -n 's/^[[:space:]]*client-certificate-data:[[:space:]]*//p' "$f" | head -n 1)
if [ -n "$c" ]; then printf 'cert %s\n' "$c"; else echo other; fi
