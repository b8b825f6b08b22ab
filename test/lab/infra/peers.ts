// The parts of the lab infra calls at `up` but does not own: pki (node files, kubeadm shim) and
// runtime (docker/crictl/systemctl/date shims). Loaded from the compiled lab (labDist) at run time,
// so infra builds and its light-node tests run while those parts are still being written.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LabClusterSpec, NodeFile } from '../pki/spec.js';

export type { LabClusterSpec, NodeFile };

export interface PkiApi {
  buildClusterFiles(spec: LabClusterSpec): Map<string, NodeFile[]>;
  kubeadmShim(version: string, nodeBin: string, labDist: string): string;
  /** Optional: pre-generates RSA keys in parallel (see pki/keys.ts). */
  warmKeyPool?(count: number): Promise<void>;
  keysNeeded?(spec: LabClusterSpec): number;
}

export interface RuntimeShimOptions {
  runtime: 'docker' | 'containerd';
  nodeBin: string;
  labDist: string;
  crictlOnDocker?: boolean;
  /** Masters: the etcd image's etcdctl, for `docker|crictl exec` into the etcd container. */
  etcdImage?: boolean;
  systemd?: 'simulated' | 'real';
}

export interface RuntimeApi {
  /** Writes the node's runtime shims into `<rootfs>/usr/local/bin`. */
  installRuntimeShims(rootfs: string, opts: RuntimeShimOptions): void;
}

async function importIfPresent(file: string): Promise<Record<string, unknown> | null> {
  if (!fs.existsSync(file)) return null;
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

export async function loadPki(labDist: string): Promise<PkiApi> {
  const mod = await importIfPresent(path.join(labDist, 'pki/index.js'));
  if (!mod || typeof mod.buildClusterFiles !== 'function' || typeof mod.kubeadmShim !== 'function') {
    throw new Error(`the lab's pki module is missing at ${path.join(labDist, 'pki/index.js')} (run \`npm run build\`)`);
  }
  return mod as unknown as PkiApi;
}

/** The runtime's shim installer, or null when that part is not built yet (light nodes do without). */
export async function loadRuntime(labDist: string): Promise<RuntimeApi | null> {
  for (const name of ['node/runtime/index.js', 'node/runtime/shims.js', 'node/runtime/install.js']) {
    const mod = await importIfPresent(path.join(labDist, name));
    if (mod && typeof mod.installRuntimeShims === 'function') return mod as unknown as RuntimeApi;
  }
  return null;
}
