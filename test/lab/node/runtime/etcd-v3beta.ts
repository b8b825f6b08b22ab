// `node etcd-v3beta.js <etcd binary> <etcd flags...>`: the etcd container's program on a cluster with
// `etcdGateway: v3beta` (test/lab/README.md): the real etcd 3.4 behind a front that answers on the
// client port as etcd 3.3 does (TKEStack up to v1.2.6). etcd 3.3 serves its JSON gateway under
// /v3beta only (embed/serve.go v3.3.x registers "/v3beta/"; /v3/... falls through to the v2 handler:
// Go's "404 page not found"), while gRPC (the API server, etcdctl) is the same.
//
// etcd listens on 127.0.0.1:<client port + 20000> instead of its --listen-client-urls; the front
// listens on those URLs, with etcd's own flags: it serves --cert-file/--key-file read for every
// connection (etcd reads them at every handshake), and requires a client certificate signed by
// --trusted-ca-file when --client-cert-auth is set. Per connection, after the handshake:
// - ALPN h2 only (gRPC clients offer nothing else): bytes piped to etcd over a new TLS connection;
// - otherwise HTTP/1.1 (curl offers h2 and http/1.1 and gets http/1.1; Node's https offers none):
//   the first request's path is read; /v3/... gets the 404 page, anything else is piped.
// Only the first request of a kept-alive HTTP/1.1 connection is looked at (curl sends one).
// The front presents etcd's server certificate to etcd as a client certificate (kubeadm's has both
// usages); without auth enabled etcd does not look at who the client is. The process group is
// the container's: the runtime's SIGTERM/SIGKILL reach etcd too; when etcd exits, so does the front.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import tls from 'node:tls';
import { flagValue } from './certs.js';

const backendOffset = 20_000;
const notFound =
  'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: 19\r\nConnection: close\r\n\r\n404 page not found\n';

const [etcdBin, ...etcdArgs] = process.argv.slice(2);
if (!etcdBin) {
  process.stderr.write('usage: etcd-v3beta <etcd binary> <etcd flags...>\n');
  process.exit(2);
}
const certFile = flagValue(etcdArgs, 'cert-file') ?? '';
const keyFile = flagValue(etcdArgs, 'key-file') ?? '';
const caFile = flagValue(etcdArgs, 'trusted-ca-file');
const clientCertAuth = flagValue(etcdArgs, 'client-cert-auth') === 'true' || etcdArgs.includes('--client-cert-auth');
const listen = (flagValue(etcdArgs, 'listen-client-urls') ?? 'https://127.0.0.1:2379')
  .split(',')
  .map((u) => new URL(u));
const backendPort = Number(listen[0]?.port || 2379) + backendOffset;

const args = etcdArgs.map((a) =>
  a.startsWith('--listen-client-urls=') ? `--listen-client-urls=https://127.0.0.1:${backendPort}` : a,
);
const etcd = spawn(etcdBin, args, { stdio: 'inherit' });
etcd.on('exit', (code, signal) => process.exit(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => etcd.kill(sig));

/** etcd's pair as the files are now: read at every connection, as etcd does at every handshake. */
function serverContext(): tls.SecureContextOptions {
  return {
    cert: fs.readFileSync(certFile),
    key: fs.readFileSync(keyFile),
    ...(caFile ? { ca: fs.readFileSync(caFile) } : {}),
  };
}

function toEtcd(alpn: string | false, first: Buffer | undefined, client: tls.TLSSocket): void {
  const upstream = tls.connect({
    host: '127.0.0.1',
    port: backendPort,
    cert: fs.readFileSync(certFile),
    key: fs.readFileSync(keyFile),
    ...(caFile ? { ca: fs.readFileSync(caFile) } : {}),
    ALPNProtocols: alpn ? [alpn] : undefined,
    // The CA is checked; the name is etcd's own listener, whatever the certificate's SANs.
    checkServerIdentity: () => undefined,
  });
  upstream.on('secureConnect', () => {
    if (first) upstream.write(first);
    client.pipe(upstream).pipe(client);
    client.resume();
  });
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', close);
  client.on('error', close);
  upstream.on('close', close);
  client.on('close', close);
}

function onSecure(client: tls.TLSSocket): void {
  const alpn = client.alpnProtocol;
  if (alpn === 'h2') return toEtcd(alpn, undefined, client);
  // HTTP/1.1: wait for the request line.
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const eol = head.indexOf('\r\n');
    if (eol < 0 && head.length < 8192) return;
    client.off('data', onData);
    client.pause();
    const path =
      head
        .subarray(0, eol < 0 ? head.length : eol)
        .toString('latin1')
        .split(' ')[1] ?? '';
    if (path.startsWith('/v3/')) {
      client.end(notFound);
      return;
    }
    toEtcd(alpn || 'http/1.1', head, client);
  };
  client.on('data', onData);
  client.on('error', () => client.destroy());
}

for (const url of listen) {
  const server = tls.createServer({
    ...serverContext(),
    requestCert: clientCertAuth,
    rejectUnauthorized: clientCertAuth,
    // gRPC offers h2 alone; a client that can speak HTTP/1.1 is served HTTP/1.1.
    ALPNCallback: ({ protocols }) => (protocols.includes('http/1.1') ? 'http/1.1' : protocols[0]),
  });
  server.prependListener('connection', () => {
    try {
      server.setSecureContext(serverContext());
    } catch {
      // a file mid-write: the previous pair serves this connection
    }
  });
  server.on('secureConnection', onSecure);
  server.on('tlsClientError', () => undefined);
  server.listen(Number(url.port || 2379), url.hostname.replace(/^\[|\]$/g, ''));
}
