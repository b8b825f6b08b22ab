// Running kubeadm itself (the file beside this one, embedded at build time).
import { NODE_SCRIPTS } from './embedded.gen.js';

/** kubeadm-with-config.sh. Args: <kubeadm> <args...>; stdin: the configuration. Runs kubeadm with
 *  `--config` pointing at a 0600 temporary file it removes afterwards; exits with kubeadm's status. */
export const KUBEADM_WITH_CONFIG_SCRIPT = NODE_SCRIPTS['kubeadm-with-config.sh'];
