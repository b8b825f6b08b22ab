// What kube-controller-manager and kube-scheduler stand-ins share: they load their --kubeconfig
// once at start (so a renewed client certificate is used only after a restart, as with the real
// ones), call the API server with it every 2 s, and serve HTTPS /healthz on --secure-port that is
// 200 "ok" only while their last successful call is under 10 s old.
import https from 'node:https';
import { intFlag, parseFlags, requireFlag } from './flags.js';
import { errorMessage, klog, type Klog } from './klog.js';
import { loadKubeconfig, type KubeconfigCredentials } from './kubeconfig.js';
import { selfSignedCertificate } from './self-signed.js';

export interface ControlPlaneClientOptions {
  component: string;
  defaultSecurePort: number;
  pollIntervalMs?: number;
  staleAfterMs?: number;
}

function callApiserver(creds: KubeconfigCredentials, timeoutMs: number): Promise<void> {
  const url = new URL('/api/v1/namespaces/kube-system', creds.server);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ca: creds.ca, cert: creds.cert, key: creds.key, timeout: timeoutMs, agent: false, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode === 200) resolve();
        else reject(new Error(`GET ${url.href}: HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.href}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export function runControlPlaneClient(options: ControlPlaneClientOptions): void {
  const log: Klog = klog(`${options.component}.go:1`);
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const staleAfterMs = options.staleAfterMs ?? 10_000;
  const flags = parseFlags(process.argv.slice(2));
  let creds: KubeconfigCredentials;
  let port: number;
  try {
    creds = loadKubeconfig(requireFlag(flags, 'kubeconfig'));
    port = intFlag(flags, 'secure-port', options.defaultSecurePort);
  } catch (err) {
    log.fatal(`error: ${errorMessage(err)}`);
  }
  const bindAddress = flags.get('bind-address') ?? '127.0.0.1';

  let lastSuccessMs: number | undefined;
  let lastError = 'no call to the API server yet';
  const poll = async (): Promise<void> => {
    try {
      await callApiserver(creds, pollIntervalMs * 2);
      if (lastSuccessMs === undefined || Date.now() - lastSuccessMs > staleAfterMs) log.info(`connected to the API server ${creds.server}`);
      lastSuccessMs = Date.now();
    } catch (err) {
      const message = errorMessage(err);
      if (message !== lastError) log.error(`error talking to the API server: ${message}`);
      lastError = message;
    }
    setTimeout(() => void poll(), pollIntervalMs);
  };
  void poll();

  const serving = selfSignedCertificate(['localhost', bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress]);
  const server = https.createServer(serving, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    if (path !== '/healthz' && path !== '/livez' && path !== '/readyz') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    const fresh = lastSuccessMs !== undefined && Date.now() - lastSuccessMs <= staleAfterMs;
    if (fresh) res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
    else {
      const since = lastSuccessMs === undefined ? 'never succeeded' : `last success ${Math.round((Date.now() - lastSuccessMs) / 1000)}s ago`;
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`[-]apiserver-connection failed: ${since}: ${lastError}\nhealthz check failed\n`);
    }
  });
  server.on('error', (err) => log.fatal(`failed to listen on ${bindAddress}:${port}: ${errorMessage(err)}`));
  server.listen(port, bindAddress, () => log.info(`Serving securely on ${bindAddress}:${port}`));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log.info(`received ${signal}, shutting down`);
      process.exit(0);
    });
  }
}
