// Where kubeadm keeps things on a master, and where this tool keeps its own files there.
export const KUBERNETES_DIR = '/etc/kubernetes';
export const ETCD_DATA_DIR = '/var/lib/etcd';
export const KUBELET_CLIENT_PEM = '/var/lib/kubelet/pki/kubelet-client-current.pem';
export const TOOL_DIR = '/var/lib/kube-cert-renew';
export const BACKUP_ROOT = `${TOOL_DIR}/backups`;
export const ROOT_KUBECONFIG = '/root/.kube/config';
/**
 * Written into BACKUP_ROOT (holding the backup's name) once a master's backup is made, removed once
 * the master is renewed, restarted and healthy: a master that has one was left mid-renewal.
 */
export const RENEWAL_MARKER_NAME = 'IN-PROGRESS';
