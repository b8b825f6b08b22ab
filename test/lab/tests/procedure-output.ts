// The `kubeadm alpha certs renew all` output the TKEStack guide shows (procedure.md step 3).
export const RENEWED_LINES = [
  'certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed',
  'certificate for serving the Kubernetes API renewed',
  'certificate the apiserver uses to access etcd renewed',
  'certificate for the API server to connect to kubelet renewed',
  'certificate embedded in the kubeconfig file for the controller manager to use renewed',
  'certificate for liveness probes to healthcheck etcd renewed',
  'certificate for etcd nodes to communicate with each other renewed',
  'certificate for serving etcd renewed',
  'certificate for the front proxy client renewed',
  'certificate embedded in the kubeconfig file for the scheduler manager to use renewed',
];
/** The 1.17-1.19 header, then an empty line. */
export const HEADER_118_LINES = [
  '[renew] Reading configuration from the cluster...',
  "[renew] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'",
  '',
];
