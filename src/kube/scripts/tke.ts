// TKEStack's `tke/certs` ConfigMap (kubeadm-facts.md §8; constant scripts).

/**
 * Args: <kubeconfig> <crt> <key> <node backup file>. Saves the ConfigMap (mode 0600) on the node,
 * then replaces `etcd.crt`/`etcd.key` with the renewed apiserver-etcd-client pair. The key goes from
 * the file into kubectl's stdin through shell builtins: never on a command line.
 */
export const UPDATE_TKE_CERTS_SCRIPT = `
kc="$1"; crt="$2"; key="$3"; bak="$4"
umask 077
mkdir -p -- "$(dirname -- "$bak")" || exit 1
kubectl --kubeconfig "$kc" --cache-dir /tmp/kube-cert-renew-kubectl-cache -n tke get cm certs -o yaml > "$bak" || { echo "cannot back up tke/certs" >&2; exit 1; }
esc() { awk '{printf "%s\\\\n", $0}' "$1"; }
c=$(esc "$crt") || exit 1
k=$(esc "$key") || exit 1
printf '{"data":{"etcd.crt":"%s","etcd.key":"%s"}}' "$c" "$k" | kubectl --kubeconfig "$kc" --cache-dir /tmp/kube-cert-renew-kubectl-cache -n tke patch cm certs --type merge --patch-file /dev/stdin
`;
