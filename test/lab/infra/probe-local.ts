// Run inside a node's netns by `status`: probes the controller-manager and scheduler health ports
// (HTTPS on 127.0.0.1, self-signed) and prints {"10257": bool, "10259": bool}.
import https from 'node:https';

const get = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false, timeout: 1000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });

const ports = process.argv.slice(2).map(Number);
const results = await Promise.all(ports.map(get));
process.stdout.write(JSON.stringify(Object.fromEntries(ports.map((p, i) => [String(p), results[i]]))));
