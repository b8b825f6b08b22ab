// `lab up`: brings a topology up in a free slot (CONTRACT.md). Everything it makes is named from
// the slot, so `down` can remove it even when this process is killed half-way.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeConfig } from '../node/common/node-config.js';
import { loadTopology, type Topology } from '../topology/load.js';
import { inventoryYaml, knownHosts } from './inventory.js';
import { labDistDir } from './locate.js';
import { mirrorUrlPattern, mirrorVersions, startMirror, writeMirror } from './mirror.js';
import { bridgeAddress, bridgeName, netnsName, nodeAddress, vethName } from './names.js';
import { createBridge, createNodeNets } from './network.js';
import { ensureHostMountPoints, runInNode, startAnchor, startSshd } from './node-procs.js';
import { loadPki, loadRuntime, type LabClusterSpec } from './peers.js';
import { mapLimit, sleep } from './proc.js';
import { writeNodeRootfs } from './rootfs.js';
import { allocateSlot, withHostLock } from './slots.js';
import { LabError, rootfsOf, writeLabState, type LabState } from './state.js';
import { componentNames, labStatus, unhealthyReasons, type LabStatus } from './status.js';
import { down, slotPidFile } from './down.js';
import { ensureKey, keyTypeAndBody } from './keys.js';
import { buildUserFiles } from './users.js';
import { writeDateShimIfMissing, writeKubeadmShim, writeSessionDropShims } from './shims.js';
import { preflight } from './preflight.js';
import { installRealBinary, requireRealKubernetes, type RealKubernetes } from './real-binaries.js';
import { writeRealNodeFiles } from './real-node.js';
import { bringUpRealNodes, realNodeNames } from './real-node-up.js';
import { platformObjects, platformToken } from './tke-platform.js';

/** Honoured by the kubelet only when `up` passes it to the first `systemctl start kubelet`. */
const STARTED_BEFORE_EXPIRY_ENV = 'KCRLAB_KUBELET_STARTED_BEFORE_EXPIRY';

export interface UpOptions {
  topologyFile: string;
  dir: string;
  /** Bound on waiting for every cluster to be healthy. */
  healthTimeoutMs?: number;
  log?: (msg: string) => void;
}

/** The lab's fileCheckFrequency (the real kubelet's is 20 s). */
const kubeletCheckIntervalMs = 1000;
/** Bound over the host's etcdctl on nodes of a cluster with hostEtcdctl: false. */
const maskedEtcdctl = 'usr/bin/etcdctl';
/** Bound over the host's docker CLI (Debian's docker.io, for `node: real`) on every other node: their
 *  runtime CLI is the lab's shim or none, as on the machines they stand for. */
const maskedDocker = 'usr/bin/docker';

export async function up(opts: UpOptions): Promise<LabState> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const dir = path.resolve(opts.dir);
  await preflight();
  const topology = loadTopology(opts.topologyFile);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  // A lab already in this folder is replaced.
  await down({ dir });

  const slot = await withHostLock(() => allocateSlot(dir));
  try {
    return await bringUp(topology, dir, slot, t0, log, opts.healthTimeoutMs ?? 90_000);
  } catch (err) {
    if (err instanceof LabError && err.message.includes('left up for inspection')) throw err;
    throw new LabError(
      `up failed in slot ${slot}: ${(err as Error).message} (remove the partial lab with \`npm run lab -- down --dir ${dir}\`)`,
    );
  }
}

async function bringUp(
  topology: Topology,
  dir: string,
  slot: number,
  t0: number,
  log: (msg: string) => void,
  healthTimeoutMs: number,
): Promise<LabState> {
  const labDist = labDistDir();
  const state: LabState = {
    dir,
    slot,
    topology: topology.file,
    createdAt: new Date().toISOString(),
    bridge: bridgeName(slot),
    bridgeAddress: bridgeAddress(slot),
    clusters: topology.clusters,
    nodes: topology.nodes.map((n) => ({
      name: n.name,
      cluster: n.cluster,
      role: n.role,
      address: nodeAddress(slot, n.index),
      netns: netnsName(slot, n.name),
      veth: vethName(slot, n.index),
      light: topology.clusters.find((c) => c.name === n.cluster)?.light ?? false,
    })),
  };
  writeLabState(state);
  log(`slot ${slot}: ${topology.nodes.length} nodes in ${topology.clusters.length} clusters`);

  const [pki, runtime] = await Promise.all([loadPki(labDist), loadRuntime(labDist)]);
  const needsRuntime = topology.clusters.some((c) => !c.light);
  if (!runtime && needsRuntime)
    throw new LabError(
      `the lab's runtime (kubelet, docker/crictl/systemctl shims) is not built under ${labDist}/node/runtime; only light topologies can come up`,
    );

  // Network first: its commands run while the PKI is generated.
  const network = createBridge(slot).then(() =>
    createNodeNets(
      slot,
      topology.nodes.map((n) => ({ name: n.name, index: n.index, address: nodeAddress(slot, n.index) })),
    ),
  );
  network.catch(() => undefined);

  const clientPublicKey = keyTypeAndBody(await ensureKey(path.join(dir, 'id_ed25519'), 'kcrlab-client'));
  const sudoPassword = crypto.randomBytes(12).toString('base64url');
  fs.writeFileSync(path.join(dir, 'sudo-password'), `${sudoPassword}\n`, { mode: 0o600 });
  fs.chmodSync(path.join(dir, 'sudo-password'), 0o600);
  const users = await buildUserFiles(sudoPassword);

  const nodeBin = process.execPath;
  fs.rmSync(path.join(dir, 'nodes'), { recursive: true, force: true });
  const addr = (name: string): { name: string; address: string } => ({
    name,
    address: state.nodes.find((n) => n.name === name)?.address ?? '',
  });
  const specs = topology.clusters.map((c): LabClusterSpec => ({
    name: c.name,
    type: c.type,
    kubernetesVersion: c.kubernetesVersion,
    runtime: c.runtime,
    controlPlaneEndpoint: c.controlPlaneEndpoint,
    masters: c.masters.map(addr),
    workers: c.workers.map(addr),
    certAgeDays: c.certAgeDays,
    kubeletConfEmbedded: c.kubeletConfEmbedded,
    kubeadmVersion: c.kubeadmVersion,
    tkeCertsShape: c.tkeCertsShape,
    light: c.light,
    components: c.components,
    ...(c.tkeTokenKubeconfig ? { rootKubeconfigToken: platformToken() } : {}),
  }));
  // TKEStack's platform objects, for every cluster, in the global cluster's seed.
  for (const [ci, c] of topology.clusters.entries()) {
    if (!c.tkePlatform) continue;
    (specs[ci] as LabClusterSpec).extraSeed = platformObjects(
      specs.map((s) => ({ ...s, token: s.rootKubeconfigToken ?? platformToken() })),
    );
  }
  // Checked before any key is made: a missing build is one line saying how to make it.
  const real: RealKubernetes | null = topology.clusters.some((c) => c.components === 'real')
    ? requireRealKubernetes()
    : null;
  // RSA keys on the thread pool (both cores) before the synchronous build takes them.
  if (pki.warmKeyPool && pki.keysNeeded)
    await pki.warmKeyPool(specs.reduce((sum, spec) => sum + (pki.keysNeeded?.(spec) ?? 0), 0));
  log(`keys generated (${Date.now() - t0} ms)`);
  for (const [ci, c] of topology.clusters.entries()) {
    const spec = specs[ci] as LabClusterSpec;
    const files = pki.buildClusterFiles(spec);
    const clusterNodes = [...spec.masters, ...spec.workers];
    for (const n of clusterNodes) {
      const node = state.nodes.find((x) => x.name === n.name)!;
      const config: NodeConfig = {
        name: n.name,
        cluster: c.name,
        clusterType: c.type,
        role: node.role,
        address: n.address,
        slot,
        kubernetesVersion: c.kubernetesVersion,
        runtime: c.runtime,
        controlPlaneEndpoint: c.controlPlaneEndpoint,
        masters: spec.masters,
        etcdMembers: spec.masters.map((m) => ({ name: m.name, peerURL: `https://${m.address}:2380` })),
        nodeBin,
        labDist,
        light: c.light,
        kubeletCheckIntervalMs,
        ...(c.components === 'real' && real ? { components: 'real' as const, realBinDir: real.binDir } : {}),
        systemd: c.systemd,
        crictlOnDocker: c.crictlOnDocker,
        etcdGateway: c.etcdGateway,
        ...(c.node === 'real' ? { node: 'real' as const } : {}),
      };
      const rootfs = rootfsOf(dir, n.name);
      writeNodeRootfs({ rootfs, config, files: files.get(n.name) ?? [], users, clientPublicKey, clusterNodes });
      runtime?.installRuntimeShims(rootfs, {
        runtime: c.runtime,
        nodeBin,
        labDist,
        systemd: c.systemd,
        crictlOnDocker: c.crictlOnDocker && node.role === 'master',
        etcdImage: node.role === 'master' && !c.light,
      });
      if (real && c.components === 'real' && c.kubeadmVersion === real.version)
        installRealBinary(real, 'kubeadm', path.join(rootfs, 'usr/local/bin/kubeadm'));
      else if (c.kubeadmVersion) writeKubeadmShim(rootfs, pki.kubeadmShim(c.kubeadmVersion, nodeBin, labDist));
      writeDateShimIfMissing(rootfs);
      writeSessionDropShims(rootfs, nodeBin, labDist, { etcdctl: c.hostEtcdctl });
      // hostEtcdctl: false: the host's /usr/bin/etcdctl is hidden by an empty, non-executable file.
      if (!c.hostEtcdctl) {
        fs.mkdirSync(path.join(rootfs, path.dirname(maskedEtcdctl)), { recursive: true });
        fs.writeFileSync(path.join(rootfs, maskedEtcdctl), '', { mode: 0o644 });
      }
      if (c.node === 'real') writeRealNodeFiles(rootfs, slot, n.name);
      else {
        fs.mkdirSync(path.join(rootfs, path.dirname(maskedDocker)), { recursive: true });
        fs.writeFileSync(path.join(rootfs, maskedDocker), '', { mode: 0o644 });
      }
    }
  }
  log(`node files written (${Date.now() - t0} ms)`);

  // Host keys: one per node, made in parallel.
  const hostKeys = await mapLimit(state.nodes, 8, (n) =>
    ensureKey(path.join(rootfsOf(dir, n.name), 'var/lib/kcrlab/ssh_host_ed25519_key'), n.name),
  );
  await network;
  log(`network up (${Date.now() - t0} ms)`);

  ensureHostMountPoints();
  await mapLimit(state.nodes, 16, async (n) => {
    const cluster = topology.clusters.find((c) => c.name === n.cluster);
    const masks = [
      ...(cluster?.hostEtcdctl === false ? [maskedEtcdctl] : []),
      ...(cluster?.node !== 'real' && fs.existsSync(`/${maskedDocker}`) ? [maskedDocker] : []),
    ];
    n.anchorPid = await startAnchor(n.netns, rootfsOf(dir, n.name), n.name, undefined, masks);
  });
  writeLabState(state);
  await mapLimit(state.nodes, 16, async (n) => {
    n.sshdPid = await startSshd(n.anchorPid!, rootfsOf(dir, n.name), n.address);
  });
  writeLabState(state);
  log(`anchors and sshd up (${Date.now() - t0} ms)`);

  const versions = [
    ...mirrorVersions,
    ...topology.clusters.flatMap((c) => [c.kubernetesVersion, c.kubeadmVersion ?? c.kubernetesVersion]),
  ];
  writeMirror(path.join(dir, 'mirror'), versions, (v) =>
    real && v === real.version
      ? fs.readFileSync(path.join(real.binDir, 'kubeadm'))
      : pki.kubeadmShim(v, nodeBin, labDist),
  );
  const mirror = await startMirror(
    path.join(labDist, 'infra/mirror-server.js'),
    path.join(dir, 'mirror'),
    bridgeAddress(slot),
    path.join(dir, 'mirror.port'),
    path.join(dir, 'mirror.log'),
    slotPidFile(slot, 'mirror'),
  );
  state.mirrorPid = mirror.pid;
  state.mirrorPort = mirror.port;
  writeLabState(state);

  fs.writeFileSync(
    path.join(dir, 'known_hosts'),
    knownHosts(state.nodes.map((n, i) => ({ address: n.address, hostKey: keyTypeAndBody(hostKeys[i] ?? '') }))),
  );
  fs.writeFileSync(
    path.join(dir, 'inventory.yaml'),
    inventoryYaml(state, mirrorUrlPattern(bridgeAddress(slot), mirror.port)),
  );

  const realNodes = realNodeNames(state, topology);
  if (real && realNodes.length) {
    const etcdTag = /etcd:(\S+)/.exec(
      fs.readFileSync(path.join(rootfsOf(dir, realNodes[0]!), 'etc/kubernetes/manifests/etcd.yaml'), 'utf8'),
    )?.[1];
    await bringUpRealNodes(state, realNodes, real, etcdTag ?? '3.4.13-0', log, t0);
    // The real kubelet pulls nothing and starts containers for real: minutes, not seconds.
    healthTimeoutMs = Math.max(healthTimeoutMs, 420_000);
  }

  const full = state.nodes.filter((n) => !n.light);
  if (full.length) {
    // KCRLAB_KUBELET_STARTED_BEFORE_EXPIRY=1 (README): this first start only, as if the kubelets had
    // been started while their client certificates were still valid (they keep running past expiry).
    const startedBeforeExpiry =
      process.env[STARTED_BEFORE_EXPIRY_ENV] === '1' ? { [STARTED_BEFORE_EXPIRY_ENV]: '1' } : undefined;
    await mapLimit(full, 8, async (n) => {
      const r = await runInNode(n.anchorPid!, ['/usr/local/bin/systemctl', 'start', 'kubelet'], {
        timeoutMs: 20_000,
        env: startedBeforeExpiry,
      });
      if (r.code !== 0)
        throw new LabError(`${n.name}: systemctl start kubelet exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
    });
    log(`kubelets started (${Date.now() - t0} ms)`);
    await waitHealthy(state, labDist, topology, healthTimeoutMs);
  }
  log(`lab up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return state;
}

async function waitHealthy(state: LabState, labDist: string, topology: Topology, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let reasons: string[] = ['not probed'];
  while (Date.now() < deadline) {
    const status = await labStatus({ ...state, nodes: state.nodes.filter((n) => !n.light) }, labDist);
    // A cluster whose certificates have expired cannot be healthy (etcd peers and API servers reject
    // each other): it is up once its kubelets and components run (README, `up`).
    const expired = new Set(topology.clusters.filter((c) => c.certAgeDays >= 365).map((c) => c.name));
    reasons = [
      ...unhealthyReasons({ ...status, clusters: status.clusters.filter((c) => !expired.has(c.name)) }),
      ...notRunningReasons(status.clusters.filter((c) => expired.has(c.name))),
    ];
    if (reasons.length === 0) return;
    await sleep(500);
  }
  throw new LabError(
    `topology ${topology.file} not healthy after ${timeoutMs / 1000} s: ${reasons.join('; ')} (the lab is left up for inspection: \`npm run lab -- status --dir ${state.dir}\`, then \`down\`)`,
  );
}

function notRunningReasons(clusters: LabStatus['clusters']): string[] {
  return clusters.flatMap((c) =>
    c.nodes
      .filter((n) => !n.light)
      .flatMap((n) => [
        ...(n.kubelet.running ? [] : [`${n.name}: kubelet ${n.kubelet.state}`]),
        // Workers run no control-plane components.
        ...(n.role === 'master'
          ? componentNames
              .filter((name) => !n.components[name]?.running)
              .map((name) => `${n.name}: ${name} not running`)
          : []),
      ]),
  );
}
