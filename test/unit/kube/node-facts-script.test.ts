// NODE_FACTS_SCRIPT run for real (sh, openssl, sha256sum, base64) against a kubeadm-like tree made
// with the openssl CLI, then parseNodeFacts: the facts must be what openssl itself says.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_CATALOG, CERT_CATALOG } from '../../../src/kube/cert-catalog.js';
import { factsScriptItems, parseNodeFacts, type NodeFacts } from '../../../src/kube/node-facts.js';
import { NODE_FACTS_SCRIPT } from '../../../src/kube/node-scripts.js';
import { RENEWAL_MARKER_NAME } from '../../../src/kube/paths.js';
import {
  buildKubeadmTree,
  DAY_MS,
  embeddedCert,
  fakeBin,
  foreignCa,
  issueLeaf,
  leaf,
  NODE_IP,
  opensslFacts,
  privateKeyTexts,
  runScript,
  useKeyPoolAndScratch,
  validFor,
  type KubeadmTree,
  type ShResult,
  systemPathWithout,
} from './fixtures/pki.js';

const fx = useKeyPoolAndScratch('kcr-facts');
/** This machine's own docker CLI (Debian's docker.io, for the lab's real nodes) is not the node's:
 *  a test node has a runtime CLI only when a test puts one on its PATH. */
let nodeSystemPath: Promise<string> | undefined;

async function runFacts(tree: KubeadmTree, pathPrefix?: string, keys = true): Promise<ShResult> {
  nodeSystemPath ??= systemPathWithout(fx.scratch, ['docker', 'crictl']);
  return runScript(
    NODE_FACTS_SCRIPT,
    [tree.k, join(tree.root, 'bin'), join(tree.root, 'var/lib/kube-cert-renew/backups'), ...factsScriptItems({ keys })],
    { pathPrefix, systemPath: await nodeSystemPath },
  );
}

async function factsOf(tree: KubeadmTree, pathPrefix?: string): Promise<{ res: ShResult; facts: NodeFacts }> {
  const res = await runFacts(tree, pathPrefix);
  expect(res.code, res.stderr).toBe(0);
  return { res, facts: parseNodeFacts(res.stdout, Date.now()) };
}

/**
 * The awks a node may have: mawk (Debian, Ubuntu), gawk (CentOS, RHEL: TKEStack's usual nodes),
 * busybox (minimal images). .ci/setup installs all three; each runs as `awk` from its own bin dir.
 */
const AWKS = { mawk: 'exec mawk "$@"', gawk: 'exec gawk "$@"', 'busybox awk': 'exec busybox awk "$@"' } as const;

/** The facts without what moves between two reads (clocks, residual seconds, free disk). */
function comparable(facts: NodeFacts): unknown {
  return JSON.parse(
    JSON.stringify(facts, (key, value: unknown) =>
      ['nodeNowSec', 'clockSkewMs', 'residualSeconds', 'diskFreeKb'].includes(key) ? undefined : value,
    ),
  );
}

async function expectSameFactsWithEveryAwk(tree: KubeadmTree, reference: NodeFacts): Promise<void> {
  for (const [name, body] of Object.entries(AWKS)) {
    const bin = await fakeBin(fx.scratch, { awk: body });
    const { res, facts } = await factsOf(tree, bin);
    expect(res.stderr, name).not.toMatch(/awk/);
    expect(comparable(facts), name).toEqual(comparable(reference));
  }
}

/** What openssl says about the certificate a catalog entry stands for (file, or embedded in a kubeconfig). */
async function opensslOf(
  tree: KubeadmTree,
  rel: string,
  kind: 'file' | 'kubeconfig',
): Promise<{ notAfter: string; serial: string }> {
  if (kind === 'file') return opensslFacts(tree.path(rel));
  const file = join(fx.scratch, `${rel}-${Math.random().toString(36).slice(2)}.pem`);
  await writeFile(file, await embeddedCert(tree.path(rel)));
  return opensslFacts(file);
}

function expectNoKeyMaterial(stdout: string, tree: KubeadmTree): void {
  expect(stdout).not.toMatch(/PRIVATE KEY/);
  expect(stdout).not.toMatch(/client-key-data/);
  expect(tree.clientKeyData.length).toBeGreaterThan(0);
  for (const pem of fx.pool.pems) {
    const { pemLines, base64Slices } = privateKeyTexts(pem);
    expect(pemLines.length).toBeGreaterThan(15);
    expect(base64Slices.length).toBeGreaterThan(20);
    for (const line of pemLines) expect(stdout.includes(line), `private key line leaked: ${line}`).toBe(false);
    for (const slice of base64Slices)
      expect(stdout.includes(slice), `base64'd private key leaked: ${slice}`).toBe(false);
  }
  // The fixture's client-key-data is the base64 of a pool key, so the slices above cover it.
  for (const data of tree.clientKeyData)
    expect(fx.pool.pems.map((p) => Buffer.from(p).toString('base64'))).toContain(data);
}

describe('NODE_FACTS_SCRIPT on a healthy 1.18 master', () => {
  let tree: KubeadmTree;
  let res: ShResult;
  let facts: NodeFacts;
  const readAt = Date.now();

  beforeAll(async () => {
    tree = await buildKubeadmTree(fx.pool, {
      kubeletConf: 'embedded',
      validity: { apiserver: validFor(-10, 375), 'front-proxy-client': validFor(5) },
    });
    ({ res, facts } = await factsOf(tree));
  });
  afterAll(() => tree?.remove());

  it('reads the version from the kube-apiserver image tag and sees a control plane', () => {
    expect(facts.apiserverImage).toBe('k8s.gcr.io/kube-apiserver:v1.18.3');
    expect(facts.kubernetesVersion).toBe('1.18.3');
    expect(facts.manifests.sort()).toEqual(['etcd.yaml', 'kube-apiserver.yaml']);
    expect(facts.isControlPlane).toBe(true);
    expect(facts.uid).toBe(process.getuid?.());
    expect(Math.abs(facts.clockSkewMs)).toBeLessThan(10_000);
    expect(facts.kubernetesDirKb).toBeGreaterThan(0);
    expect(facts.diskFreeKb).toBeGreaterThan(0);
  });

  it('reads the kube-apiserver flags a configuration derived from the manifests needs, and no other', () => {
    expect(facts.apiserverFlags).toEqual({
      'advertise-address': NODE_IP,
      'client-ca-file': '/etc/kubernetes/pki/ca.crt',
      'etcd-servers': 'https://127.0.0.1:2379',
      'secure-port': '6443',
    });
  });

  it('reports every catalog certificate with the notAfter and serial openssl reads', async () => {
    const expected = CERT_CATALOG.filter((c) => !c.initNodeOnly);
    expect(expected.length).toBe(10);
    for (const c of expected) {
      const fact = facts.certs[c.name]!;
      expect(fact, c.name).toBeDefined();
      expect(fact.present, c.name).toBe(true);
      expect(fact.problem, c.name).toBeUndefined();
      const want = await opensslOf(tree, c.path, c.kind);
      expect({ name: c.name, notAfter: fact.notAfter, serial: fact.serial }).toEqual({ name: c.name, ...want });
      expect(fact.chainsToCa, c.name).toBe(true);
      expect(fact.keyMatches, c.name).toBe(true);
      expect(fact.ca).toBe(leaf(c.name).ca);
    }
  });

  it('reports the CAs', async () => {
    for (const ca of CA_CATALOG) {
      const fact = facts.cas[ca.name]!;
      expect(fact.present).toBe(true);
      expect({ notAfter: fact.notAfter, serial: fact.serial }).toEqual(await opensslFacts(tree.path(ca.crt)));
    }
  });

  it('computes residual time from the node clock: expired is negative, 5 days is 5 days', () => {
    const apiserver = facts.certs.apiserver!.residualSeconds!;
    expect(apiserver).toBeLessThanOrEqual(-10 * 86400 + 60);
    expect(apiserver).toBeGreaterThan(-10 * 86400 - 120);
    const fpc = facts.certs['front-proxy-client']!.residualSeconds!;
    expect(fpc).toBeGreaterThan(5 * 86400 - 120);
    expect(fpc).toBeLessThanOrEqual(5 * 86400 + 60);
    expect(new Date(facts.certs['front-proxy-client']!.notAfter!).getTime()).toBeGreaterThan(
      readAt + 5 * DAY_MS - 120_000,
    );
  });

  it('says a file that is not there is not present (super-admin.conf before 1.29)', () => {
    expect(facts.certs['super-admin.conf']).toEqual({
      name: 'super-admin.conf',
      kind: 'kubeconfig',
      present: false,
      ca: 'ca',
    });
  });

  it('sees an embedded kubelet.conf client certificate and its end date', async () => {
    expect(facts.kubeletConf.present).toBe(true);
    expect(facts.kubeletConf.embedded).toBe(true);
    expect(facts.kubeletConf.notAfter).toBe((await opensslOf(tree, 'kubelet.conf', 'kubeconfig')).notAfter);
    expect(facts.kubeletConf.residualSeconds).toBeGreaterThan(300 * 86400);
  });

  it('hashes sa.key and sa.pub as sha256sum does', async () => {
    for (const rel of ['pki/sa.key', 'pki/sa.pub']) {
      expect(facts.saHashes[rel]).toBe(
        createHash('sha256')
          .update(await readFile(tree.path(rel)))
          .digest('hex'),
      );
    }
  });

  it('prints no private key material', () => {
    expectNoKeyMaterial(res.stdout, tree);
  });

  it('(the leak check catches a key, as PEM lines or base64 of the PEM)', () => {
    const bare = fx.pool.pems[3]!.replace(/-----[^\n]+-----/g, '');
    expect(() => expectNoKeyMaterial(`${res.stdout}\n${bare}`, tree)).toThrow(/private key line leaked/);
    expect(() => expectNoKeyMaterial(`${res.stdout}\n${tree.clientKeyData[0]}`, tree)).toThrow(
      /base64'd private key leaked/,
    );
  });

  it('reads the same facts with mawk, gawk and busybox awk', async () => {
    await expectSameFactsWithEveryAwk(tree, facts);
  });

  it('sees no unfinished renewal when no run left its in-progress mark', () => {
    expect(facts.unfinishedRenewalBackup).toBeUndefined();
  });

  it('names the backup of a renewal an earlier run left in progress', async () => {
    const backups = join(tree.root, 'var/lib/kube-cert-renew/backups');
    await mkdir(backups, { recursive: true });
    await writeFile(join(backups, RENEWAL_MARKER_NAME), '20261128T101010Z-ha-m1-abc123\n');
    try {
      expect((await factsOf(tree)).facts.unfinishedRenewalBackup).toBe('20261128T101010Z-ha-m1-abc123');
    } finally {
      await rm(join(backups, RENEWAL_MARKER_NAME));
    }
  });

  it('copes with a node without kubeadm, docker, crictl', () => {
    expect(facts.kubeadm).toEqual({ path: undefined, version: undefined });
    expect(facts.provisionedKubeadm).toEqual([]);
    expect(facts.runtime).toBeUndefined();
    expect(facts.runtimeProblem).toBe(
      'no container runtime lists a kube-apiserver container (docker: absent, crictl: absent)',
    );
  });
});

describe('NODE_FACTS_SCRIPT on a damaged master', () => {
  let tree: KubeadmTree;
  let res: ShResult;
  let facts: NodeFacts;

  beforeAll(async () => {
    tree = await buildKubeadmTree(fx.pool, { kubeletConf: 'pem' });
    // apiserver: its key replaced by another key. apiserver-kubelet-client: signed by a CA of the
    // same name but another key. etcd peer: gone. front-proxy-client: not a certificate.
    await issueLeaf(tree, leaf('apiserver'), validFor(300), { keyIndex: 0 });
    await issueLeaf(tree, leaf('apiserver-kubelet-client'), validFor(300), { signer: await foreignCa(tree) });
    await rm(tree.path('pki/etcd/peer.crt'));
    await rm(tree.path('pki/etcd/peer.key'));
    await writeFile(tree.path('pki/front-proxy-client.crt'), 'garbage\n');
    ({ res, facts } = await factsOf(tree));
  });
  afterAll(() => tree?.remove());

  it('reads the same facts with mawk, gawk and busybox awk (missing, garbage and swapped files included)', async () => {
    await expectSameFactsWithEveryAwk(tree, facts);
  });

  it('without keys (quick check): no openssl runs, the same facts but no key verdict', async () => {
    // An openssl that fails the run if it is started at all.
    const bin = await fakeBin(fx.scratch, { openssl: 'echo "openssl started" >&2; exit 99' });
    const quick = await runFacts(tree, bin, false);
    expect(quick.code, quick.stderr).toBe(0);
    expect(quick.stderr).not.toContain('openssl started');
    const quickFacts = parseNodeFacts(quick.stdout, Date.now());
    expect(quickFacts.certs.apiserver).toMatchObject({ present: true, chainsToCa: true });
    for (const c of Object.values(quickFacts.certs)) expect(c.keyMatches).toBeUndefined();
    const withoutKeyVerdicts = (f: NodeFacts): unknown =>
      comparable({
        ...f,
        certs: Object.fromEntries(Object.entries(f.certs).map(([k, c]) => [k, { ...c, keyMatches: undefined }])),
      });
    expect(withoutKeyVerdicts(quickFacts)).toEqual(withoutKeyVerdicts(facts));
  });

  it('a certificate whose key was swapped: keyMatches false, still chains to its CA', () => {
    expect(facts.certs.apiserver).toMatchObject({ present: true, keyMatches: false, chainsToCa: true });
  });

  it('a certificate signed by another CA with the same name: chainsToCa false, key still matches', () => {
    expect(facts.certs['apiserver-kubelet-client']).toMatchObject({
      present: true,
      chainsToCa: false,
      keyMatches: true,
    });
    expect(facts.certs['apiserver-kubelet-client']!.issuer).toBe(facts.cas.ca!.subject);
  });

  it('a missing certificate: present false', () => {
    expect(facts.certs['etcd-peer']).toMatchObject({ name: 'etcd-peer', present: false });
    expect(facts.certs['etcd-peer']!.notAfter).toBeUndefined();
  });

  it('a file that is not a certificate: a problem, no dates', () => {
    expect(facts.certs['front-proxy-client']).toMatchObject({ present: true, problem: 'not a PEM certificate' });
    expect(facts.certs['front-proxy-client']!.keyMatches).toBeUndefined();
  });

  it('leaves the untouched certificates alone', () => {
    expect(facts.certs['etcd-server']).toMatchObject({ present: true, chainsToCa: true, keyMatches: true });
    expect(facts.certs['admin.conf']).toMatchObject({ present: true, chainsToCa: true, keyMatches: true });
  });

  it("a kubelet.conf pointing at kubelet-client-current.pem is not embedded; the pem's certificate is read", async () => {
    const pem = await opensslFacts(tree.kubeletPem);
    expect(facts.kubeletConf).toMatchObject({
      present: true,
      embedded: false,
      clientCertPath: tree.kubeletPem,
      notAfter: pem.notAfter,
    });
    expect(facts.kubeletConf.serial).toBe(pem.serial);
  });

  it('prints no private key material, even reading the combined kubelet pem', () => {
    expect(res.stdout).toContain(`client-key: ${tree.kubeletPem}`);
    expectNoKeyMaterial(res.stdout, tree);
  });

  it('a certificate file without a final newline does not swallow the next section', async () => {
    const pem = await readFile(tree.path('pki/etcd/server.crt'), 'utf8');
    await writeFile(tree.path('pki/etcd/server.crt'), pem.trimEnd());
    const again = (await factsOf(tree)).facts;
    expect(again.certs['etcd-server']).toMatchObject({
      present: true,
      chainsToCa: true,
      keyMatches: true,
      notAfter: facts.certs['etcd-server']!.notAfter,
    });
  });
});

describe('NODE_FACTS_SCRIPT runtime and kubeadm detection', () => {
  let tree: KubeadmTree;
  const apiserverId = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'b'.repeat(8);

  beforeAll(async () => {
    tree = await buildKubeadmTree(fx.pool);
  });
  afterAll(() => tree?.remove());

  const lists = (id: string): string => `[ "$1" = ps ] && [ "$2" = -q ] && echo ${id}; exit 0`;

  it('docker lists the kube-apiserver container: runtime docker', async () => {
    const { facts } = await factsOf(tree, await fakeBin(fx.scratch, { docker: lists(apiserverId) }));
    expect(facts.runtime).toBe('docker');
    expect(facts.runtimeProblem).toBeUndefined();
  });

  it('crictl lists it and docker lists nothing: runtime containerd', async () => {
    const { facts } = await factsOf(tree, await fakeBin(fx.scratch, { docker: 'exit 0', crictl: lists(apiserverId) }));
    expect(facts.runtime).toBe('containerd');
  });

  // `crictl version` as crictl prints it through dockershim (kubernetes/minikube#10610, a docker
  // node) and against containerd (kubernetes-sigs/cri-tools#971).
  const VERSION_DOCKERSHIM =
    'Version:  0.1.0\nRuntimeName:  docker\nRuntimeVersion:  20.10.3\nRuntimeApiVersion:  1.41.0';
  const VERSION_CONTAINERD =
    'Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  v1.6.8\nRuntimeApiVersion:  v1';
  const crictl = (id: string, version: string): string =>
    `if [ "$1" = version ]; then cat <<'EOF'\n${version}\nEOF\nexit 0; fi\n${lists(id)}`;
  const otherId = 'c'.repeat(64);

  it('both list the same container (crictl on dockershim, a TKEStack docker master): docker, and why', async () => {
    const { facts } = await factsOf(
      tree,
      await fakeBin(fx.scratch, { docker: lists(apiserverId), crictl: crictl(apiserverId, VERSION_DOCKERSHIM) }),
    );
    expect(facts.runtime).toBe('docker');
    expect(facts.runtimeProblem).toBeUndefined();
    expect(facts.runtimeReason).toBe(
      `docker and crictl list the same kube-apiserver container (${apiserverId.slice(0, 12)}): crictl reaches docker through dockershim (RuntimeName docker), so docker runs the control plane`,
    );
  });

  it('both list one but different containers: no runtime, a problem naming both', async () => {
    const { facts } = await factsOf(
      tree,
      await fakeBin(fx.scratch, { docker: lists(apiserverId), crictl: crictl(otherId, VERSION_CONTAINERD) }),
    );
    expect(facts.runtime).toBeUndefined();
    expect(facts.runtimeProblem).toBe(
      `docker and crictl (runtime containerd) list different kube-apiserver containers (docker ${apiserverId.slice(0, 12)}, crictl ${otherId.slice(0, 12)}): two runtimes run a control plane`,
    );
  });

  it('the same id but crictl talks to containerd: not taken for dockershim', async () => {
    const { facts } = await factsOf(
      tree,
      await fakeBin(fx.scratch, { docker: lists(apiserverId), crictl: crictl(apiserverId, VERSION_CONTAINERD) }),
    );
    expect(facts.runtime).toBeUndefined();
    expect(facts.runtimeProblem).toMatch(/^docker and crictl \(runtime containerd\) list different/);
  });

  it('crictl alone (containerd): the reason names its runtime', async () => {
    const { facts } = await factsOf(
      tree,
      await fakeBin(fx.scratch, { docker: 'exit 0', crictl: crictl(apiserverId, VERSION_CONTAINERD) }),
    );
    expect(facts.runtime).toBe('containerd');
    expect(facts.runtimeReason).toBe(
      "crictl lists the kube-apiserver container (docker: none; crictl's runtime: containerd)",
    );
  });

  it('a docker CLI whose daemon is down: broken, no runtime', async () => {
    const { facts } = await factsOf(
      tree,
      await fakeBin(fx.scratch, { docker: 'echo "Cannot connect to the Docker daemon" >&2; exit 1' }),
    );
    expect(facts.runtime).toBeUndefined();
    expect(facts.runtimeProblem).toContain('docker: broken');
  });

  it('output that is not container ids is not taken for one', async () => {
    const { facts } = await factsOf(tree, await fakeBin(fx.scratch, { docker: 'echo "WARNING: something"; exit 0' }));
    expect(facts.runtime).toBeUndefined();
  });

  it('reads kubeadm on PATH, provisioned kubeadm binaries and the kubelet state', async () => {
    const version = '[ "$1 $2 $3" = "version -o short" ] && echo v1.18.3';
    const bin = await fakeBin(fx.scratch, {
      kubeadm: version,
      systemctl: '[ "$1 $2" = "is-active kubelet" ] && echo active',
    });
    await mkdir(join(tree.root, 'bin'), { recursive: true });
    await writeFile(join(tree.root, 'bin', 'kubeadm-v1.18.3'), `#!/bin/sh\n${version}\n`, { mode: 0o755 });
    const { facts } = await factsOf(tree, bin);
    expect(facts.kubeadm).toEqual({ path: join(bin, 'kubeadm'), version: '1.18.3' });
    expect(facts.provisionedKubeadm).toEqual([{ path: join(tree.root, 'bin', 'kubeadm-v1.18.3'), version: '1.18.3' }]);
    expect(facts.kubeletState).toBe('active');
  });
});
