#!/bin/sh
# Args: <kubelet.conf> <pem> <backup suffix>. Points kubelet.conf at the rotating client
# certificate file instead of embedded data (what kubeadm's docs and TKE's fixKubeadmBug1753 do),
# keeping a copy of the old file beside it.
conf="$1"; pem="$2"; suffix="$3"
cp -p -- "$conf" "$conf.$suffix" || exit 1
tmp="$conf.kcr-tmp.$$"
{ sed -e "s|^\\( *\\)client-certificate-data:.*|\\1client-certificate: $pem|" -e "s|^\\( *\\)client-key-data:.*|\\1client-key: $pem|" -- "$conf" > "$tmp" && chmod 600 -- "$tmp" && mv -f -- "$tmp" "$conf"; } || { rm -f -- "$tmp"; exit 1; }
grep -q '^ *client-certificate-data:' "$conf" && exit 1
exit 0
