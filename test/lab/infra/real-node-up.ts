// `lab up` for the masters of `node: real` clusters (README "Real node"): their dockerds, the images
// (built once, then loaded from the cache), and the seeder that does what `kubeadm init` leaves after
// the kubelet registered (node/runtime/real-node-seed.ts). The kubelets are started afterwards by
// `up`'s `systemctl start kubelet`, which here runs the real kubelet.
import fs from 'node:fs';
import path from 'node:path';
import type { Topology } from '../topology/load.js';
import { labDistDir } from './locate.js';
import { spawnInNode } from './node-procs.js';
import { mapLimit } from './proc.js';
import type { RealKubernetes } from './real-binaries.js';
import { imageSpecs, provideImages } from './real-node-images.js';
import { startRealNodeDocker } from './real-node.js';
import { rootfsOf, writeLabState, type LabState } from './state.js';

/** Every container image the seeded objects of these nodes name (the TKE API deployments). */
function seededImages(rootfs: string): string[] {
  try {
    const seed = JSON.parse(fs.readFileSync(path.join(rootfs, 'var/lib/kcrlab/seed.json'), 'utf8')) as unknown;
    const items = (Array.isArray(seed) ? seed : ((seed as { items?: unknown[] }).items ?? [])) as {
      kind?: string;
      spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
    }[];
    return items
      .filter((o) => o.kind === 'Deployment')
      .flatMap((o) => o.spec?.template?.spec?.containers ?? [])
      .map((c) => c.image ?? '')
      .filter(Boolean);
  } catch {
    return [];
  }
}

export const realNodeNames = (state: LabState, topology: Topology): string[] =>
  state.nodes.filter((n) => topology.clusters.find((c) => c.name === n.cluster)?.node === 'real').map((n) => n.name);

export async function bringUpRealNodes(
  state: LabState,
  names: string[],
  real: RealKubernetes,
  etcdTag: string,
  log: (msg: string) => void,
  t0: number,
): Promise<void> {
  const nodes = state.nodes.filter((n) => names.includes(n.name));
  await mapLimit(nodes, 3, async (n) => {
    n.dockerdPid = await startRealNodeDocker(n.anchorPid!, state.slot, n.name, rootfsOf(state.dir, n.name));
  });
  writeLabState(state);
  log(`real nodes: dockerd up on ${names.join(', ')} (${Date.now() - t0} ms)`);
  const tkeImages = nodes.flatMap((n) => seededImages(rootfsOf(state.dir, n.name)));
  const built = await provideImages(
    state.slot,
    names,
    imageSpecs(real, etcdTag, tkeImages),
    real,
    path.join(state.dir, 'images'),
    log,
  );
  log(`real nodes: images ${built ? 'built' : 'loaded from the cache'} (${Date.now() - t0} ms)`);
  for (const n of nodes) {
    const rootfs = rootfsOf(state.dir, n.name);
    n.seedPid = spawnInNode(
      n.anchorPid!,
      [process.execPath, path.join(labDistDir(), 'node/runtime/real-node-seed.js')],
      path.join(rootfs, 'var/lib/kcrlab/runtime/seed.log'),
    );
  }
  writeLabState(state);
}
