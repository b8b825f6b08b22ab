// kube-apiserver stand-in (see test/lab/CONTRACT.md): HTTPS on --secure-port with the serving
// certificate re-read every minute from 1.17 on and the loopback certificate by SNI
// (apiserver/serving-certs.ts), clients authenticated by --client-ca-file, objects kept in the
// node's real etcd through --etcd-servers with the apiserver-etcd-client certificate (read for
// every new connection).
import { constants } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { readFaults, readNodeConfig, writeFaults, type NodeConfig } from '../common/node-config.js';
import { nodePaths } from '../common/paths.js';
import { createHandler } from './apiserver/handler.js';
import { parseTokenFile, type StaticTokens } from './apiserver/identity.js';
import { ApiserverHealth } from './apiserver/health.js';
import { ReplicaController } from './apiserver/replicas.js';
import { readSeedFile, seedObjects } from './apiserver/seed.js';
import { refreshMsFromEnv, reloadsServingCert, ServingCerts } from './apiserver/serving-certs.js';
import { ObjectStore } from './apiserver/store.js';
import { EtcdClient } from './etcd-client.js';
import { intFlag, parseFlags, requireFlag } from './flags.js';
import { errorMessage, klog, type Klog } from './klog.js';

const log: Klog = klog('server.go:1');
const startedAtMs = Date.now();

function main(): void {
  const flags = parseFlags(process.argv.slice(2));
  let node: NodeConfig;
  try {
    node = readNodeConfig();
  } catch (err) {
    log.fatal(`cannot read ${nodePaths.nodeJson}: ${errorMessage(err)}`);
  }
  const faults = readFaults();
  const neverReady = faults.apiserverNotReadyNextStart === true;
  if (neverReady) {
    const { apiserverNotReadyNextStart: _consumed, ...rest } = faults;
    writeFaults(rest);
    log.warning('fault apiserverNotReadyNextStart consumed: this instance will never become ready');
  }
  const slowStartSeconds = Number(faults.slowStartSeconds ?? 0);
  if (slowStartSeconds > 0) log.warning(`fault slowStartSeconds=${slowStartSeconds}: not ready before that`);

  const port = intFlag(flags, 'secure-port', 6443);
  const bindAddress = flags.get('bind-address') ?? '0.0.0.0';
  let serving: ServingCerts;
  let etcd: EtcdClient;
  let tokens: StaticTokens | undefined;
  try {
    const tokenFile = flags.get('token-auth-file');
    if (tokenFile) tokens = parseTokenFile(fs.readFileSync(tokenFile, 'utf8'));
    serving = new ServingCerts({
      certFile: requireFlag(flags, 'tls-cert-file'),
      keyFile: requireFlag(flags, 'tls-private-key-file'),
      clientCaFile: requireFlag(flags, 'client-ca-file'),
    });
    etcd = new EtcdClient(requireFlag(flags, 'etcd-servers').split(','), {
      caFile: requireFlag(flags, 'etcd-cafile'),
      certFile: requireFlag(flags, 'etcd-certfile'),
      keyFile: requireFlag(flags, 'etcd-keyfile'),
    });
  } catch (err) {
    log.fatal(`Error: ${errorMessage(err)}`);
  }

  const store = new ObjectStore(etcd);
  const health = new ApiserverHealth(etcd, { startedAtMs, slowStartSeconds, neverReady }, log);
  const replicas = new ReplicaController(store, { name: node.name, address: node.address }, log);
  const advertise = flags.get('advertise-address') ?? node.address;
  const server = https.createServer(
    // No session tickets: every connection presents its client certificate again.
    {
      ...serving.serverOptions(),
      requestCert: true,
      rejectUnauthorized: false,
      secureOptions: constants.SSL_OP_NO_TICKET,
    },
    createHandler({
      store,
      replicas,
      health,
      log,
      kubernetesVersion: node.kubernetesVersion,
      serverAddress: `${advertise}:${port}`,
      tokens,
    }),
  );
  server.on('error', (err) => log.fatal(`failed to listen on ${bindAddress}:${port}: ${errorMessage(err)}`));
  server.listen(port, bindAddress, () =>
    log.info(`Serving securely on ${bindAddress}:${port} (kubernetes ${node.kubernetesVersion}, node ${node.name})`),
  );
  if (reloadsServingCert(node.kubernetesVersion)) serving.startRefreshing(server, refreshMsFromEnv(), log);
  health.startProbing();

  const seed = async (): Promise<void> => {
    try {
      await seedObjects(store, readSeedFile(nodePaths.seedJson), log);
      health.markSeeded();
      replicas.start();
    } catch (err) {
      log.warning(`seeding objects failed, retrying in 1s: ${errorMessage(err)}`);
      setTimeout(() => void seed(), 1000);
    }
  };
  void seed();

  const shutdown = (signal: string): void => {
    log.info(`received ${signal}, shutting down`);
    health.stop();
    serving.stop();
    replicas.stop();
    server.close();
    etcd.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main();
