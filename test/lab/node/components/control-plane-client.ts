// What kube-controller-manager and kube-scheduler stand-ins share: they load their --kubeconfig
// once at start (so a renewed client certificate is used only after a restart, as with the real
// ones: kubeadm embeds the certificate, which client-go treats as static), run leader election on
// the Lease kube-system/<component> with it (leader-election.ts; the leader exits when it cannot
// renew, as the real ones do on "leaderelection lost"), and serve HTTPS /healthz on --secure-port
// with an in-memory self-signed certificate. As on the real ones, /healthz is "ok" on every
// non-leader whatever its credentials: only the leader's health reflects a lease it failed to renew.
import { intFlag, parseFlags, requireFlag } from './flags.js';
import { errorMessage, klog, type Klog } from './klog.js';
import { loadKubeconfig, type KubeconfigCredentials } from './kubeconfig.js';
import { LeaderElector } from './leader-election.js';
import { serveHealthz } from './healthz-server.js';

export interface ControlPlaneClientOptions {
  component: string;
  /** The Lease in kube-system that the instances elect a leader on. */
  leaseName: string;
  defaultSecurePort: number;
}

export function runControlPlaneClient(options: ControlPlaneClientOptions): void {
  const log: Klog = klog(`${options.component}.go:1`);
  const flags = parseFlags(process.argv.slice(2));
  let creds: KubeconfigCredentials;
  let port: number;
  try {
    creds = loadKubeconfig(requireFlag(flags, 'kubeconfig'));
    port = intFlag(flags, 'secure-port', options.defaultSecurePort);
  } catch (err) {
    log.fatal(`error: ${errorMessage(err)}`);
  }
  const bindAddress = flags.get('bind-address') ?? '0.0.0.0';
  const leaderElect = (flags.get('leader-elect') ?? 'true') !== 'false';

  let elector: LeaderElector | undefined;
  if (leaderElect) {
    const leaseLog = klog('leaderelection.go:243');
    let lastError = '';
    elector = new LeaderElector(creds, options.leaseName, {
      onError: (message) => {
        if (message !== lastError) leaseLog.error(`error talking to the API server: ${message}`);
        lastError = message;
      },
      onStartedLeading: () => leaseLog.info(`successfully acquired lease kube-system/${options.leaseName}`),
      onStoppedLeading: () => log.fatal('leaderelection lost'),
    });
    leaseLog.info(`attempting to acquire leader lease kube-system/${options.leaseName}...`);
    elector.start();
  }

  serveHealthz({ bindAddress, port, log, healthError: () => elector?.healthError() ?? null });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log.info(`received ${signal}, shutting down`);
      process.exit(0);
    });
  }
}
