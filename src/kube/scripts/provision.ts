// kubeadm provisioning (files beside this one, embedded at build time; values are positional parameters).
import { NODE_SCRIPTS } from './embedded.gen.js';

/** download-kubeadm.sh. Args: <url> <dest>. Downloads kubeadm, checks its published SHA-256,
 *  installs it at <dest> atomically, prints `sha256=<hex>`. */
export const DOWNLOAD_KUBEADM_SCRIPT = NODE_SCRIPTS['download-kubeadm.sh'];

/** inspect-binary.sh. Args: <path>. Prints `sha256=<hex>` and `version=<kubeadm version -o short>`. */
export const INSPECT_BINARY_SCRIPT = NODE_SCRIPTS['inspect-binary.sh'];
