// The secure serving of kube-controller-manager and kube-scheduler without --tls-cert-file: an
// in-memory certificate from MaybeDefaultWithSelfSignedCerts("localhost", nil, [127.0.0.1]), and
// /healthz, /livez, /readyz answering "ok" or the failed check.
import https from 'node:https';
import { errorMessage, type Klog } from './klog.js';
import { selfSignedCertKey } from './self-signed.js';

export interface HealthzServerOptions {
  bindAddress: string;
  port: number;
  log: Klog;
  /** null when healthy, else the reason of the failed check. */
  healthError(): string | null;
}

export function serveHealthz(options: HealthzServerOptions): https.Server {
  const { bindAddress, port, log } = options;
  const serving = selfSignedCertKey('localhost', { alternateIps: ['127.0.0.1'] });
  const server = https.createServer(serving, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    if (path !== '/healthz' && path !== '/livez' && path !== '/readyz') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    const failed = options.healthError();
    if (failed === null) res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
    else {
      log.error(`healthz check failed: leaderElection: ${failed}`);
      res
        .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
        .end('[+]ping ok\n[-]leaderElection failed: reason withheld\nhealthz check failed\n');
    }
  });
  server.on('error', (err) => log.fatal(`failed to listen on ${bindAddress}:${port}: ${errorMessage(err)}`));
  server.listen(port, bindAddress, () => log.info(`Serving securely on ${bindAddress}:${port}`));
  return server;
}
