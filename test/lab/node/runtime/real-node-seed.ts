// `node: real`: what the lab's kubelet simulator's node agent does at the start of a `components:
// real` master, minus what the real kubelet now does itself (Node registration and status, Lease,
// mirror pods, pods). With admin.conf it creates the objects `kubeadm init` leaves in a cluster
// (seed.json; create-if-absent) and sets on this node's Node the annotations and labels kubeadm
// sets after the kubelet registers it (the cri-socket annotation kubeadm reads back). Then it waits
// until the real kubelet has registered the Node and created the mirror pod of every static pod, and
// writes node-registered (what `lab up` waits for). Started detached by `up`; exits when done.
import fs from 'node:fs';
import path from 'node:path';
import { readNodeConfig } from '../common/node-config.js';
import { nodePaths } from '../common/paths.js';
import { readSeedFile } from '../components/apiserver/seed.js';
import { ApiClient, collectionPath } from './api-client.js';
import { sleep } from './proc.js';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata?: {
    name?: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
};

const log = (msg: string): void => void process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
const deadlineMs = Date.now() + 600_000;

async function untilDone(what: string, fn: () => Promise<boolean>): Promise<void> {
  let last = '';
  while (Date.now() < deadlineMs) {
    try {
      if (await fn()) return;
    } catch (err) {
      const msg = (err as Error).message;
      if (msg !== last) log(`${what}: ${msg}`);
      last = msg;
    }
    await sleep(1000);
  }
  throw new Error(`${what}: not done after 600 s`);
}

async function main(): Promise<void> {
  const config = readNodeConfig();
  const admin = (): ApiClient => new ApiClient(path.join(nodePaths.kubernetesDir, 'admin.conf'));
  const seed = readSeedFile(nodePaths.seedJson) as Obj[];
  await untilDone('seed', async () => {
    const api = admin();
    let created = 0;
    for (const obj of seed) {
      const res = await api.expect(
        [201, 409],
        'POST',
        collectionPath(obj.apiVersion, obj.kind, obj.metadata?.namespace),
        obj,
      );
      if (res.status === 201) created++;
    }
    log(`seed: created ${created} of ${seed.length} objects`);
    return true;
  });
  const own = seed.find((o) => o.kind === 'Node' && o.metadata?.name === config.name);
  const nodePath = `/api/v1/nodes/${encodeURIComponent(config.name)}`;
  const staticPods = fs
    .readdirSync(nodePaths.manifestsDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `${f.replace(/\.yaml$/, '')}-${config.name}`);
  await untilDone('registration', async () => {
    const api = admin();
    await api.expect([200], 'GET', nodePath);
    if (own?.metadata)
      await api.expect(
        [200],
        'PATCH',
        nodePath,
        { metadata: { annotations: own.metadata.annotations ?? {}, labels: own.metadata.labels ?? {} } },
        'application/merge-patch+json',
      );
    for (const pod of staticPods)
      await api.expect([200], 'GET', `/api/v1/namespaces/kube-system/pods/${encodeURIComponent(pod)}`);
    return true;
  });
  fs.writeFileSync(nodePaths.nodeRegistered, `${config.name}\n`);
  log(`node ${config.name} registered with mirror pods ${staticPods.join(', ')}`);
}

main().catch((err: unknown) => {
  log(`failed: ${(err as Error).message}`);
  process.exit(1);
});
