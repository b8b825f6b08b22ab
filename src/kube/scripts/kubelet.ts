// kubelet client certificate (kubeadm-facts.md §6; files beside this one, embedded at build time).
import { NODE_SCRIPTS } from './embedded.gen.js';

/** kubelet-state.sh. Args: <kubelet.conf> <pem> <bootstrap conf>. Prints the state of the kubelet's credentials. */
export const KUBELET_STATE_SCRIPT = NODE_SCRIPTS['kubelet-state.sh'];

/** repoint-kubelet-conf.sh. Args: <kubelet.conf> <pem> <backup suffix>. Points kubelet.conf at the
 *  rotating client certificate file instead of embedded data, keeping a copy of the old file. */
export const REPOINT_KUBELET_CONF_SCRIPT = NODE_SCRIPTS['repoint-kubelet-conf.sh'];

/** kubelet-health.sh. No args. One sample of the kubelet's health: healthz on :10248, the unit's
 *  restart count and activation time, the node's clock. */
export const KUBELET_HEALTH_SCRIPT = NODE_SCRIPTS['kubelet-health.sh'];
