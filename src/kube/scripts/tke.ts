// TKEStack's `tke/certs` ConfigMap (kubeadm-facts.md §8; files beside this one, embedded at build time).
import { NODE_SCRIPTS } from './embedded.gen.js';

/** backup-tke-certs.sh. Args: <kubeconfig> <node backup file>. Saves the ConfigMap (mode 0600) on the node. */
export const BACKUP_TKE_CERTS_SCRIPT = NODE_SCRIPTS['backup-tke-certs.sh'];

/** update-tke-certs.sh. Args: <kubeconfig> <crt> <key>. Replaces `etcd.crt`/`etcd.key` with the
 *  renewed apiserver-etcd-client pair; the key never on a command line. */
export const UPDATE_TKE_CERTS_SCRIPT = NODE_SCRIPTS['update-tke-certs.sh'];
