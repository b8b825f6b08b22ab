// The files every contestant reads on every node: the kubeadm certificates (the PEM files under
// /etc/kubernetes/pki, 14 on a kubeadm master with stacked etcd, CA included) and the kubeconfigs
// with embedded client certificates. Workers have ca.crt and kubelet.conf only: missing files are
// skipped by every contestant alike.

export const CERT_FILES = [
  'pki/ca.crt',
  'pki/front-proxy-ca.crt',
  'pki/etcd/ca.crt',
  'pki/apiserver.crt',
  'pki/apiserver-etcd-client.crt',
  'pki/apiserver-kubelet-client.crt',
  'pki/front-proxy-client.crt',
  'pki/etcd/server.crt',
  'pki/etcd/peer.crt',
  'pki/etcd/healthcheck-client.crt',
].map((p) => `/etc/kubernetes/${p}`);

export const KUBECONFIG_FILES = [
  'admin.conf',
  'controller-manager.conf',
  'scheduler.conf',
  'kubelet.conf',
  'super-admin.conf',
].map((p) => `/etc/kubernetes/${p}`);

/** Where kubelet.conf points when it does not embed its client certificate (kubelet rotation). */
export const KUBELET_CLIENT_PEM = '/var/lib/kubelet/pki/kubelet-client-current.pem';

/** The floor's one command: every file's bytes (a constant: no value from outside is spliced in). */
export const FLOOR_COMMAND = `cat ${[...CERT_FILES, ...KUBECONFIG_FILES, KUBELET_CLIENT_PEM].join(' ')} 2>/dev/null; true`;

/**
 * Ansible's shell task: the end date of every certificate file and of every kubeconfig's embedded
 * client certificate (or the file it points at), with openssl, as an operator's playbook would.
 */
export const ENDDATES_SCRIPT = `for f in ${CERT_FILES.join(' ')}; do
  [ -f "$f" ] && printf '%s ' "$f" && openssl x509 -noout -enddate -in "$f"
done
for f in ${KUBECONFIG_FILES.join(' ')}; do
  [ -f "$f" ] || continue
  d=$(sed -n 's/^ *client-certificate-data: *//p' "$f" | head -n 1)
  p=$(sed -n 's/^ *client-certificate: *//p' "$f" | head -n 1)
  if [ -n "$d" ]; then printf '%s ' "$f"; printf '%s' "$d" | base64 -d | openssl x509 -noout -enddate
  elif [ -n "$p" ] && [ -f "$p" ]; then printf '%s ' "$f"; openssl x509 -noout -enddate -in "$p"; fi
done
true`;
