// `node: real`: the images a real node's kubelet runs, built locally with `docker build` FROM scratch
// (nothing can be pulled here) and tagged as the manifests and the seeded TKE deployments name them:
// the real control-plane binaries, etcd from Debian's package (with its libraries, etcdctl and a
// shell for `docker exec`), the pause built from the source's build/pause, and each TKE API image
// as a pause (the lab runs no TKE code; the pods run for real). Built once, saved to a cache keyed
// by the content it was built from; every later node and lab only `docker load`s that archive.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pauseImage } from '../node/common/real-node.js';
import { nodeDocker } from './real-node.js';
import type { RealKubernetes } from './real-binaries.js';
import { LabError } from './state.js';

interface ImageSpec {
  tag: string;
  /** host file -> path in the image */
  files: [string, string][];
  entrypoint?: string[];
}

/** Debian's etcd is dynamically linked: the image carries its loader and libc. */
const etcdFiles: [string, string][] = [
  ['/usr/bin/etcd', '/usr/local/bin/etcd'],
  ['/usr/bin/etcdctl', '/usr/local/bin/etcdctl'],
  ['/bin/busybox', '/bin/sh'],
  ['/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6'],
  ['/lib/x86_64-linux-gnu/libresolv.so.2', '/lib/x86_64-linux-gnu/libresolv.so.2'],
  ['/lib64/ld-linux-x86-64.so.2', '/lib64/ld-linux-x86-64.so.2'],
];

/** Every image a real node needs: control plane of `version`, etcd `etcdTag`, pause, and `extraPauseTags`. */
export function imageSpecs(real: RealKubernetes, etcdTag: string, extraPauseTags: string[]): ImageSpec[] {
  const bin = (name: string): [string, string][] => [[path.join(real.binDir, name), `/usr/local/bin/${name}`]];
  const pause: [string, string][] = [[path.join(real.binDir, 'pause'), '/pause']];
  return [
    ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((c) => ({
      tag: `k8s.gcr.io/${c}:v${real.version}`,
      files: bin(c),
    })),
    { tag: `k8s.gcr.io/etcd:${etcdTag}`, files: etcdFiles.filter(([src]) => fs.existsSync(src)) },
    { tag: pauseImage, files: pause, entrypoint: ['/pause'] },
    ...[...new Set(extraPauseTags)].sort().map((tag) => ({ tag, files: pause, entrypoint: ['/pause'] })),
  ];
}

export function dockerfile(spec: ImageSpec): string {
  return [
    'FROM scratch',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ...spec.files.map((_, i) => `COPY f${i} ${spec.files[i]![1]}`),
    ...(spec.entrypoint ? [`ENTRYPOINT ${JSON.stringify(spec.entrypoint)}`] : []),
    '',
  ].join('\n');
}

function fileDigest(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * The cache key: every Dockerfile and the content of every file in them. The real binaries are
 * taken by their build stamp (COMPLETE: source version and build time) rather than hashed again
 * (360 MB); the rest (etcd, libc, pause) is hashed.
 */
export function imagesKey(real: RealKubernetes, specs: ImageSpec[]): string {
  const h = crypto.createHash('sha256');
  h.update(fs.readFileSync(path.join(real.binDir, 'COMPLETE')));
  const hashed = new Map<string, string>();
  for (const s of specs) {
    h.update(s.tag).update(dockerfile(s));
    for (const [src] of s.files) {
      if (src.startsWith(real.binDir) && !src.endsWith('/pause')) continue;
      if (!hashed.has(src)) hashed.set(src, fileDigest(src));
      h.update(hashed.get(src)!);
    }
  }
  return h.digest('hex').slice(0, 24);
}

export const imagesCacheDir = (): string =>
  path.join(process.env.KCR_K8S_CACHE ?? '/var/cache/kube-cert-renew', 'images');

async function mustDocker(slot: number, node: string, args: string[], timeoutMs = 600_000): Promise<string> {
  const r = await nodeDocker(slot, node, args, timeoutMs);
  if (r.code !== 0)
    throw new LabError(`${node}: docker ${args.slice(0, 2).join(' ')} failed: ${r.stderr.trim().split('\n').pop()}`);
  return r.stdout;
}

/** Builds every image into `node`'s dockerd (contexts under `workDir`) and saves them to `archive`. */
async function buildAndSave(slot: number, node: string, specs: ImageSpec[], workDir: string, archive: string) {
  for (const s of specs) {
    const ctx = path.join(workDir, s.tag.replace(/[^a-z0-9.-]/gi, '_'));
    fs.rmSync(ctx, { recursive: true, force: true });
    fs.mkdirSync(ctx, { recursive: true });
    s.files.forEach(([link], i) => {
      // The loader and libc are symlinks: the image gets the file they name.
      const src = fs.realpathSync(link);
      const dest = path.join(ctx, `f${i}`);
      try {
        fs.linkSync(src, dest);
      } catch {
        fs.copyFileSync(src, dest);
      }
    });
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), dockerfile(s));
    await mustDocker(slot, node, ['build', '-q', '-t', s.tag, ctx]);
    fs.rmSync(ctx, { recursive: true, force: true });
  }
  fs.mkdirSync(path.dirname(archive), { recursive: true });
  const tmp = `${archive}.${process.pid}.tmp`;
  await mustDocker(slot, node, ['save', '-o', tmp, ...specs.map((s) => s.tag)]);
  fs.renameSync(tmp, archive);
}

/**
 * Puts every image into each node's dockerd: from the cache when it holds them (docker load), else
 * built in the first node and saved to the cache first. Returns whether it built.
 */
export async function provideImages(
  slot: number,
  nodes: string[],
  specs: ImageSpec[],
  real: RealKubernetes,
  workDir: string,
  log: (msg: string) => void,
): Promise<boolean> {
  const archive = path.join(imagesCacheDir(), `${imagesKey(real, specs)}.tar`);
  let built = false;
  let loadInto = nodes;
  if (!fs.existsSync(archive)) {
    const [first] = nodes;
    if (!first) return false;
    await buildAndSave(slot, first, specs, workDir, archive);
    log(`images built in ${first} and cached: ${archive}`);
    built = true;
    loadInto = nodes.slice(1);
  }
  // One at a time: each load unpacks ~350 MB of layers.
  for (const n of loadInto) await mustDocker(slot, n, ['load', '-q', '-i', archive]);
  return built;
}
