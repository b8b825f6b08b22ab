// The kubelet's healthz endpoint, http://127.0.0.1:10248/healthz ("ok"), as the real kubelet serves
// it (healthzBindAddress 127.0.0.1, healthzPort 10248) while it runs. As the real one does, a port
// it cannot bind is logged and retried, never fatal. And the lab's crash-loop switch: a number of ms
// in /var/lib/kcrlab/kubelet-exit-after-ms makes every kubelet start exit 255 that long after it
// started (a kubelet that runs, answers healthz, then dies, e.g. a client bootstrap that fails late).
import fs from 'node:fs';
import http from 'node:http';
import { nodePaths } from '../common/paths.js';
import { klog } from './kubelet-log.js';

export const healthzPort = 10248;

export function serveKubeletHealthz(): void {
  const server = http.createServer((req, res) => {
    const ok = req.url === '/healthz' || req.url?.startsWith('/healthz?');
    res.writeHead(ok ? 200 : 404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(ok ? 'ok' : '404 page not found\n');
  });
  server.on('error', (err) => {
    klog('E', 'server.go:1005', `Starting healthz server failed: ${err.message}`);
    setTimeout(() => server.listen(healthzPort, '127.0.0.1'), 5000).unref();
  });
  server.listen(healthzPort, '127.0.0.1');
  server.unref();
}

/** The crash-loop switch's delay, or undefined when it is off. */
export function exitAfterMs(): number | undefined {
  try {
    const ms = Number(fs.readFileSync(nodePaths.kubeletExitAfterMs, 'utf8').trim());
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}
