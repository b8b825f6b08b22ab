// TKEStack's `tke/certs` ConfigMap (kubeadm-facts.md §8; constant scripts).

/** Args: <kubeconfig> <node backup file>. Saves the ConfigMap (it holds keys: mode 0600) on the node. */
export const BACKUP_TKE_CERTS_SCRIPT = `
kc="$1"; bak="$2"
umask 077
mkdir -p -- "$(dirname -- "$bak")" || exit 1
kubectl --kubeconfig "$kc" --cache-dir /tmp/kube-cert-renew-kubectl-cache -n tke get cm certs -o yaml > "$bak" || { rm -f -- "$bak"; echo "cannot back up tke/certs" >&2; exit 1; }
`;

/**
 * Args: <kubeconfig> <crt> <key>. Replaces `etcd.crt`/`etcd.key` with the renewed
 * apiserver-etcd-client pair. The key goes from the file into kubectl's stdin through shell
 * builtins: never on a command line.
 */
export const UPDATE_TKE_CERTS_SCRIPT = `
kc="$1"; crt="$2"; key="$3"
umask 077
esc() { awk '{printf "%s\\\\n", $0}' "$1"; }
c=$(esc "$crt") || exit 1
k=$(esc "$key") || exit 1
printf '{"data":{"etcd.crt":"%s","etcd.key":"%s"}}' "$c" "$k" | kubectl --kubeconfig "$kc" --cache-dir /tmp/kube-cert-renew-kubectl-cache -n tke patch cm certs --type merge --patch-file /dev/stdin
`;
