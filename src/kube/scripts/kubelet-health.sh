#!/bin/sh
# The kubelet's health, one sample. No args. Prints sections `healthz` (curl's body, then the HTTP
# code, of http://127.0.0.1:10248/healthz), `unit` (systemctl show's properties; TZ=UTC0 so the
# timestamps are UTC whatever the node's zone) and `now` (the node's clock, seconds).
s() { printf '\n@@KCR %s\n' "$*"; }
s healthz; curl -sS -m 5 -w '\n%{http_code}' http://127.0.0.1:10248/healthz 2>&1
s unit; TZ=UTC0 systemctl show kubelet -p ActiveState,SubState,NRestarts,ActiveEnterTimestamp,RestartUSec 2>&1
s now; date +%s
