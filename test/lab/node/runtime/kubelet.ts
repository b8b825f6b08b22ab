// The kubelet simulator (CONTRACT.md "Runtime state"), started detached by the systemctl shim.
// At start it checks its client credentials like the real kubelet (kubeadm-facts.md §6), then
// syncs the static pods every kubeletCheckIntervalMs. SIGTERM ends it and leaves the containers
// running, as stopping the real kubelet does.
import fs from 'node:fs';
import os from 'node:os';
import { readNodeConfig, type NodeConfig } from '../common/node-config.js';
import { nodePaths } from '../common/paths.js';
import { klog, writeKubeletState } from './kubelet-log.js';
import { prepareClientCredentials } from './kubelet-client.js';
import { PodSyncer } from './kubelet-sync.js';
import { NodeAgent } from './node-agent.js';
import { ensureRuntimeDirs } from './store.js';
import { sleep } from './proc.js';
import { exitAfterMs, serveKubeletHealthz } from './kubelet-healthz.js';

/** klog.Fatal exits 255 (systemd: `status=255/EXCEPTION`). */
const fatalExitCode = 255;

function fail(message: string): never {
  klog('F', 'server.go:273', message);
  writeKubeletState('failed');
  process.exit(fatalExitCode);
}

async function main(): Promise<void> {
  ensureRuntimeDirs();
  fs.writeFileSync(nodePaths.kubeletPid, `${process.pid}\n`);
  let config: NodeConfig;
  try {
    config = readNodeConfig();
  } catch (err) {
    fail(`failed to run Kubelet: failed to load node configuration ${nodePaths.nodeJson}: ${(err as Error).message}`);
  }
  const nodeName = config.name || os.hostname();
  klog('I', 'server.go:417', `Version: v${config.kubernetesVersion}`);
  // The lab's `up` sets this on its first start only: a real kubelet started before its client
  // certificate expired keeps running with it, so such a node cannot be made by starting one now.
  if (process.env.KCRLAB_KUBELET_STARTED_BEFORE_EXPIRY === '1') {
    klog(
      'I',
      'kcrlab',
      'client credentials taken as loaded before they expired (KCRLAB_KUBELET_STARTED_BEFORE_EXPIRY, lab up)',
    );
  } else {
    const credentialError = prepareClientCredentials(nodeName);
    if (credentialError) fail(`failed to run Kubelet: ${credentialError}`);
  }

  const intervalMs = config.kubeletCheckIntervalMs > 0 ? config.kubeletCheckIntervalMs : 20_000;
  const syncer = new PodSyncer({
    nodeName,
    intervalMs,
    nodeBin: config.nodeBin || process.execPath,
    labDist: config.labDist,
    ...(config.components === 'real' && config.realBinDir ? { realBinDir: config.realBinDir } : {}),
    ...(config.etcdGateway === 'v3beta' ? { etcdGateway: 'v3beta' as const } : {}),
  });
  const shutdown = (): void => {
    syncer.stopping = true;
    writeKubeletState('inactive');
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  writeKubeletState('active');
  serveKubeletHealthz();
  const dieAfterMs = exitAfterMs();
  if (dieAfterMs !== undefined)
    setTimeout(
      () => fail(`failed to run Kubelet: exiting ${dieAfterMs} ms after start (${nodePaths.kubeletExitAfterMs})`),
      dieAfterMs,
    );
  if (config.components === 'real')
    startNodeAgent(
      new NodeAgent({
        nodeName,
        address: config.address,
        kubernetesVersion: config.kubernetesVersion,
        runtime: config.runtime,
        role: config.role,
      }),
    );
  klog('I', 'kubelet.go:1822', 'Starting kubelet main sync loop.');
  for (;;) {
    const started = Date.now();
    try {
      await syncer.syncOnce();
    } catch (err) {
      klog('E', 'kubelet.go:1903', `Sync loop error: ${(err as Error).stack ?? String(err)}`);
    }
    await sleep(Math.max(50, intervalMs - (Date.now() - started)));
  }
}

/** The API side runs beside the pod sync, every 5 s (the real kubelet: node status and lease every 10 s). */
function startNodeAgent(agent: NodeAgent): void {
  const loop = async (): Promise<void> => {
    for (;;) {
      await agent.syncOnce();
      await sleep(5000);
    }
  };
  void loop();
}

void main();
