#!/bin/sh
# Args: <kubelet.conf> <pem> <bootstrap conf>. Prints the state of the kubelet's credentials.
conf="$1"; pem="$2"; boot="$3"
s() { printf '\n@@KCR %s\n' "$*"; }
s embedded; if grep -q '^ *client-certificate-data:' "$conf" 2>/dev/null; then echo yes; else echo no; fi
s embedded-cert; sed -n 's/^ *client-certificate-data: *//p' "$conf" 2>/dev/null | head -n 1 | base64 -d 2>/dev/null
s pem-valid; if [ -f "$pem" ] && openssl x509 -in "$pem" -noout -checkend 3600 >/dev/null 2>&1; then echo yes; else echo no; fi
s bootstrap; [ -f "$boot" ] && echo yes || echo no
s kubelet; systemctl is-active kubelet 2>/dev/null
