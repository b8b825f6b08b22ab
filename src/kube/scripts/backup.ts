// Backup and restore scripts (files beside this one, embedded at build time; values come as
// positional parameters).
import { RENEWAL_MARKER_NAME } from '../paths.js';
import { NODE_SCRIPTS } from './embedded.gen.js';
import { withConstants } from './with-constants.js';

/** How long the stopped-member copy waits for etcd to stop (the kubelet notices a moved manifest within
 *  its 20 s fileCheckFrequency, then gives the pod its grace period), and to run again. */
export const ETCD_STOP_WAIT_SECONDS = 120;
export const ETCD_START_WAIT_SECONDS = 120;

/**
 * backup.sh (with etcd-offline-copy.sh's functions in front). Args: <kubernetesDir> <backupRoot>
 * <backupName> <etcdDataDir> <etcd: snapshot|offline|none> <runtime CLI: docker|crictl|-> <etcd
 * container id|-> [kubeconfig files...]. A new, checksummed backup directory; the etcd snapshot by
 * the host's etcdctl, the etcd container's, or the gateway, verified by its SHA-256 trailer; or
 * (offline) the data directory of the member stopped through its static pod manifest; last, marks
 * the renewal in progress (RENEWAL_MARKER_NAME in <backupRoot>). Prints `dir=<path>`,
 * `etcd=<snapshot|copy|none>`, `etcd-via=<way>`, `etcd-consistent=<yes|no>`, `etcd-db-sha256=<hex>`,
 * `etcd-note=<why>` and `etcd-tried=<way>: <error>` for each way that failed before.
 */
export const BACKUP_SCRIPT = withConstants(
  {
    marker: RENEWAL_MARKER_NAME,
    stopwait: String(ETCD_STOP_WAIT_SECONDS),
    startwait: String(ETCD_START_WAIT_SECONDS),
  },
  `${NODE_SCRIPTS['etcd-offline-copy.sh']}\n${NODE_SCRIPTS['backup.sh']}`,
);

/** renewal-finished.sh. Args: <backupRoot>. The master's renewal finished: its in-progress marker goes. */
export const RENEWAL_FINISHED_SCRIPT = withConstants(
  { marker: RENEWAL_MARKER_NAME },
  NODE_SCRIPTS['renewal-finished.sh'],
);

/** restore.sh. Args: <backupDir>. Verifies SHA256SUMS, then restores /etc/kubernetes and the users'
 *  kubeconfigs; never etcd data. */
export const RESTORE_SCRIPT = NODE_SCRIPTS['restore.sh'];

/** copy-kubeconfig.sh. Args: <source> <destination> <owner> <group>. Atomic copy, mode 0600;
 *  prints `src=<sha256>` and `dst=<sha256>`. */
export const COPY_KUBECONFIG_SCRIPT = NODE_SCRIPTS['copy-kubeconfig.sh'];

/** kubeconfig-kind.sh. Args: <kubeconfig>. Prints `missing`, `token`, `cert <client-certificate-data>`
 *  or `other`; never a token or a key. */
export const KUBECONFIG_KIND_SCRIPT = NODE_SCRIPTS['kubeconfig-kind.sh'];

/** user-home.sh. Args: <user>. Prints `home group` of a local user. */
export const USER_HOME_SCRIPT = NODE_SCRIPTS['user-home.sh'];

/** prune-backups.sh. Args: <backupRoot> list | <backupRoot> remove <name>... Lists the candidate
 *  backups (`dir <name>`, `file <name>`), or removes the named ones after re-checking each. */
export const PRUNE_BACKUPS_SCRIPT = NODE_SCRIPTS['prune-backups.sh'];
