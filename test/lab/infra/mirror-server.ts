// The lab's kubeadm download mirror: a static file server on the bridge address (started detached
// by `up`). Usage: node mirror-server.js ROOT HOST PORTFILE. Writes its port to PORTFILE.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [root, host, portFile] = process.argv.slice(2);
if (!root || !host || !portFile) {
  process.stderr.write('usage: mirror-server.js ROOT HOST PORTFILE\n');
  process.exit(2);
}
const base = path.resolve(root);

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://mirror');
  const file = path.resolve(base, `.${decodeURIComponent(url.pathname)}`);
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !file.startsWith(`${base}/`)) {
    res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 404 : 405).end();
    return;
  }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 Not Found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': st.size });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
});
server.listen(0, host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  fs.writeFileSync(`${portFile}.tmp`, String(port));
  fs.renameSync(`${portFile}.tmp`, portFile);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
