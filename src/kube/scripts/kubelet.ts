// kubelet client certificate (kubeadm-facts.md §6; constant scripts).

/** Args: <kubelet.conf> <pem> <bootstrap conf>. Prints the state of the kubelet's credentials. */
export const KUBELET_STATE_SCRIPT = `
conf="$1"; pem="$2"; boot="$3"
s() { printf '\\n@@KCR %s\\n' "$*"; }
s embedded; if grep -q '^ *client-certificate-data:' "$conf" 2>/dev/null; then echo yes; else echo no; fi
s embedded-cert; sed -n 's/^ *client-certificate-data: *//p' "$conf" 2>/dev/null | head -n 1 | base64 -d 2>/dev/null
s pem-valid; if [ -f "$pem" ] && openssl x509 -in "$pem" -noout -checkend 3600 >/dev/null 2>&1; then echo yes; else echo no; fi
s bootstrap; [ -f "$boot" ] && echo yes || echo no
s kubelet; systemctl is-active kubelet 2>/dev/null
`;

/**
 * Args: <kubelet.conf> <pem> <backup suffix>. Points kubelet.conf at the rotating client
 * certificate file instead of embedded data (what kubeadm's docs and TKE's fixKubeadmBug1753 do),
 * keeping a copy of the old file beside it.
 */
export const REPOINT_KUBELET_CONF_SCRIPT = `
conf="$1"; pem="$2"; suffix="$3"
cp -p -- "$conf" "$conf.$suffix" || exit 1
tmp="$conf.kcr-tmp.$$"
sed -e "s|^\\\\( *\\\\)client-certificate-data:.*|\\\\1client-certificate: $pem|" -e "s|^\\\\( *\\\\)client-key-data:.*|\\\\1client-key: $pem|" -- "$conf" > "$tmp" && chmod 600 -- "$tmp" && mv -f -- "$tmp" "$conf" || { rm -f -- "$tmp"; exit 1; }
grep -q '^ *client-certificate-data:' "$conf" && exit 1
exit 0
`;
