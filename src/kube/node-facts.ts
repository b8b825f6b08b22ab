// What a master looks like, parsed from NODE_FACTS_SCRIPT's sections. Pure: no I/O here.
import { CA_CATALOG, CERT_CATALOG, SERVICE_ACCOUNT_KEYS, type CaName, type CatalogCert } from './cert-catalog.js';
import { parseKubeconfigPublic } from './kubeconfig.js';
import { parseSections } from './node-scripts.js';
import { parseIds, type RuntimeName } from './runtime.js';
import { chainsTo, parseCertificate, publicKeySha256, secondsLeft, splitPemCertificates } from './x509.js';

export interface CertFact {
  name: string;
  kind: 'file' | 'kubeconfig' | 'ca';
  present: boolean;
  notBefore?: string;
  notAfter?: string;
  residualSeconds?: number;
  serial?: string;
  subject?: string;
  issuer?: string;
  fingerprint256?: string;
  /** Signed by the CA kubeadm uses for it (checked against the CA certificate on the same node). */
  chainsToCa?: boolean;
  /** Its public key equals the private key's public half; unset when the keys were not read (quick `check`). */
  keyMatches?: boolean;
  ca?: CaName;
  /** Unparseable content, truncated file... */
  problem?: string;
}

export interface NodeFacts {
  arch: string;
  /** The node's clock (seconds since epoch) and its difference to ours when read. */
  nodeNowSec: number;
  clockSkewMs: number;
  uid: number;
  hostname: string;
  manifests: string[];
  isControlPlane: boolean;
  apiserverImage?: string;
  /** From the kube-apiserver image tag, without "v". */
  kubernetesVersion?: string;
  /** kube-apiserver manifest flags a derived kubeadm configuration needs (kubeadm-config.ts), by name without "--". */
  apiserverFlags: Record<string, string>;
  kubeadm: { path?: string; version?: string };
  provisionedKubeadm: { path: string; version: string }[];
  runtime?: RuntimeName;
  /** Why that runtime: which CLI lists the control plane, and what crictl talks to when both do. */
  runtimeReason?: string;
  runtimeProblem?: string;
  kubeletState: string;
  /** The backup named by the in-progress marker an earlier run left (RENEWAL_MARKER_NAME): a renewal it did not finish. */
  unfinishedRenewalBackup?: string;
  diskFreeKb?: number;
  kubernetesDirKb?: number;
  etcdDirKb?: number;
  certs: Record<string, CertFact>;
  cas: Record<string, CertFact>;
  saHashes: Record<string, string>;
  /** kubelet.conf's client certificate: embedded, or the file it points at (kubelet-client-current.pem). */
  kubeletConf: {
    present: boolean;
    embedded: boolean;
    notBefore?: string;
    notAfter?: string;
    clientCertPath?: string;
    residualSeconds?: number;
    serial?: string;
    subject?: string;
    issuer?: string;
  };
}

/**
 * The `crt:`/`key:`/`conf:`/`confpub:`/`hash:` items NODE_FACTS_SCRIPT needs for the whole catalog.
 * `keys: false` (a quick `check`) leaves out every private key: no `openssl` runs on the node (one
 * per key, ~10 of a master's ~30 processes) and `keyMatches` stays unset.
 */
export function factsScriptItems(opts: { keys: boolean } = { keys: true }): string[] {
  const items: string[] = [];
  for (const ca of CA_CATALOG) items.push(`crt:${ca.crt}`);
  for (const c of CERT_CATALOG) {
    if (c.kind === 'file') items.push(`crt:${c.path}`, ...(opts.keys ? [`key:${c.keyPath}`] : []));
    else items.push(`${opts.keys ? 'conf' : 'confpub'}:${c.path}`);
  }
  // Its key is the kubelet's own business (and rotates): only the public lines are read.
  items.push('confpub:kubelet.conf');
  for (const k of SERVICE_ACCOUNT_KEYS) items.push(`hash:${k}`);
  return items;
}

export function parseNodeFacts(output: string, localNowMs: number): NodeFacts {
  const s = parseSections(output);
  const get = (key: string): string => s.get(key) ?? '';
  const now = new Date(Number(get('now')) * 1000);
  const manifests = get('manifests').split('\n').filter(Boolean);
  const apiserverImage = get('apiserver-image') || undefined;
  const tag = apiserverImage?.split(':').pop();
  const facts: NodeFacts = {
    arch: get('arch'),
    nodeNowSec: Number(get('now')),
    clockSkewMs: Number(get('now')) * 1000 - localNowMs,
    uid: Number(get('uid')),
    hostname: get('hostname'),
    manifests,
    isControlPlane: manifests.includes('kube-apiserver.yaml'),
    apiserverImage,
    kubernetesVersion: tag && /^v?\d+\.\d+/.test(tag) ? tag.replace(/^v/, '') : undefined,
    apiserverFlags: parseFlagLines(get('apiserver-flags')),
    kubeadm: { path: get('kubeadm-path') || undefined, version: get('kubeadm-version').replace(/^v/, '') || undefined },
    provisionedKubeadm: get('kubeadm-provisioned')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((p): p is [string, string] => p.length === 2 && Boolean(p[1]))
      .map(([path, version]) => ({ path, version: version.replace(/^v/, '') })),
    kubeletState: get('kubelet') || 'unknown',
    unfinishedRenewalBackup: s.has('renewal-marker') ? get('renewal-marker').trim() || '(unnamed)' : undefined,
    certs: {},
    cas: {},
    saHashes: {},
    kubeletConf: { present: false, embedded: false },
  };
  Object.assign(facts, detectRuntime(s));
  // df's header, then the filesystem's line (the last).
  const df = (get('df').trim().split('\n').pop() ?? '').split(/\s+/);
  if (df.length >= 4 && /^\d+$/.test(df[3] ?? '')) facts.diskFreeKb = Number(df[3]);
  // `du -sk` and `sha256sum` output as printed: the value is the first field.
  // One `du` line per folder: /var/lib/etcd's (when there is one) and the kubernetes dir's.
  const duLines = get('du').split('\n').filter(Boolean);
  const isEtcd = (l: string): boolean => /\s\/var\/lib\/etcd$/.test(l);
  const du = firstField(duLines.find((l) => !isEtcd(l)) ?? '');
  const duEtcd = firstField(duLines.find(isEtcd) ?? '');
  if (/^\d+$/.test(du)) facts.kubernetesDirKb = Number(du);
  if (/^\d+$/.test(duEtcd)) facts.etcdDirKb = Number(duEtcd);

  const caPems = new Map<CaName, string>();
  for (const ca of CA_CATALOG) {
    const body = s.get(`crt ${ca.crt}`) ?? 'MISSING';
    const fact = certFact(ca.name, 'ca', body, now);
    facts.cas[ca.name] = fact;
    const pem = splitPemCertificates(body)[0];
    if (pem) caPems.set(ca.name, pem);
  }
  for (const c of CERT_CATALOG) {
    facts.certs[c.name] = catalogCertFact(c, s, now, caPems);
  }
  for (const k of SERVICE_ACCOUNT_KEYS) {
    const hash = s.get(`hash ${k}`);
    facts.saHashes[k] = hash === undefined ? 'MISSING' : firstField(hash);
  }
  facts.kubeletConf = kubeletConfFact(s.get('conf kubelet.conf'), s.get('kubelet-client-cert'), now);
  return facts;
}

/** `- --name=value` lines, as node-facts.awk prints them, to { name: value }. */
function parseFlagLines(text: string): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^- --([a-z0-9-]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) flags[m[1]] = (m[2] ?? '').trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return flags;
}

function firstField(text: string): string {
  return text.trim().split(/\s+/)[0] ?? '';
}

type RuntimeProbe = { state: 'found'; ids: string[] } | { state: 'none' | 'absent' | 'broken' };

/** One CLI's `ps -q` for the kube-apiserver container, as node-facts.sh printed it (ids, then `rc=N`). */
function probeRuntime(body: string | undefined): RuntimeProbe {
  if (body === undefined || body === '') return { state: 'absent' };
  const lines = body.split('\n');
  if (lines.pop() !== 'rc=0') return { state: 'broken' };
  const ids = parseIds(lines.join('\n'));
  return ids && ids.length > 0 ? { state: 'found', ids } : { state: 'none' };
}

/** `crictl version`'s RuntimeName: docker through dockershim, containerd, cri-o. */
export function crictlRuntimeName(output: string | undefined): string | undefined {
  return /^RuntimeName:\s*(\S+)/m.exec(output ?? '')?.[1];
}

// The runtime in use is the one whose CLI lists the kube-apiserver container. Both CLIs may list
// it: docker masters have crictl too (cri-tools is a kubeadm dependency), and on the dockershim
// socket crictl lists docker's own containers, same ids. Then docker runs the control plane: it is
// the runtime the kubelet drives (dockershim) and docker removes and inspects those containers.
// Both listing different containers is two runtimes each running an API server: refused.
function detectRuntime(s: Map<string, string>): Pick<NodeFacts, 'runtime' | 'runtimeReason' | 'runtimeProblem'> {
  const docker = probeRuntime(s.get('runtime-docker'));
  const crictl = probeRuntime(s.get('runtime-crictl'));
  const crictlName = crictlRuntimeName(s.get('runtime-crictl-version'));
  if (docker.state === 'found' && crictl.state !== 'found')
    return { runtime: 'docker', runtimeReason: `docker lists the kube-apiserver container (crictl: ${crictl.state})` };
  if (crictl.state === 'found' && docker.state !== 'found')
    return {
      runtime: 'containerd',
      runtimeReason: `crictl lists the kube-apiserver container (docker: ${docker.state}${crictlName ? `; crictl's runtime: ${crictlName}` : ''})`,
    };
  if (docker.state === 'found' && crictl.state === 'found') {
    const same = docker.ids.length === crictl.ids.length && docker.ids.every((id) => crictl.ids.includes(id));
    if (same && (crictlName === undefined || crictlName === 'docker'))
      return {
        runtime: 'docker',
        runtimeReason: `docker and crictl list the same kube-apiserver container (${docker.ids[0]!.slice(0, 12)}): crictl reaches docker through dockershim${crictlName ? ' (RuntimeName docker)' : ''}, so docker runs the control plane`,
      };
    return {
      runtimeProblem: `docker and crictl${crictlName ? ` (runtime ${crictlName})` : ''} list different kube-apiserver containers (docker ${docker.ids.map((i) => i.slice(0, 12)).join(',')}, crictl ${crictl.ids.map((i) => i.slice(0, 12)).join(',')}): two runtimes run a control plane`,
    };
  }
  return {
    runtimeProblem: `no container runtime lists a kube-apiserver container (docker: ${docker.state}, crictl: ${crictl.state})`,
  };
}

function catalogCertFact(c: CatalogCert, s: Map<string, string>, now: Date, caPems: Map<CaName, string>): CertFact {
  if (c.kind === 'file') {
    const fact = certFact(c.name, 'file', s.get(`crt ${c.path}`) ?? 'MISSING', now);
    const pem = splitPemCertificates(s.get(`crt ${c.path}`) ?? '')[0];
    finishLeaf(fact, c, pem, s.get(`key ${c.keyPath}`), caPems);
    return fact;
  }
  const body = s.get(`conf ${c.path}`) ?? 'MISSING';
  if (body === 'MISSING') return { name: c.name, kind: 'kubeconfig', present: false, ca: c.ca };
  const kc = parseKubeconfigPublic(body);
  if (!kc.clientCertPem)
    return { name: c.name, kind: 'kubeconfig', present: true, ca: c.ca, problem: 'no embedded client certificate' };
  const fact = certFact(c.name, 'kubeconfig', kc.clientCertPem, now);
  finishLeaf(fact, c, kc.clientCertPem, s.get(`confkey ${c.path}`), caPems);
  return fact;
}

/** `keyPublicPem`: the key's public half as the node printed it (`openssl pkey -pubout`). */
function finishLeaf(
  fact: CertFact,
  c: CatalogCert,
  pem: string | undefined,
  keyPublicPem: string | undefined,
  caPems: Map<CaName, string>,
): void {
  fact.ca = c.ca;
  if (!pem || !fact.present || fact.problem) return;
  const caPem = caPems.get(c.ca);
  fact.chainsToCa = caPem ? chainsTo(pem, caPem) : false;
  // Keys not read (a quick check): nothing is said about the pair.
  if (keyPublicPem === undefined) return;
  const keyHash = publicKeySha256(keyPublicPem);
  fact.keyMatches = keyHash !== undefined && keyHash === parseCertificate(pem).publicKeySha256;
}

function certFact(name: string, kind: CertFact['kind'], body: string, now: Date): CertFact {
  if (body.trim() === 'MISSING') return { name, kind, present: false };
  const pem = splitPemCertificates(body)[0];
  if (!pem) return { name, kind, present: true, problem: 'not a PEM certificate' };
  try {
    const info = parseCertificate(pem);
    return {
      name,
      kind,
      present: true,
      notBefore: info.notBefore.toISOString(),
      notAfter: info.notAfter.toISOString(),
      residualSeconds: secondsLeft(info.notAfter, now),
      serial: info.serial,
      subject: info.subject,
      issuer: info.issuer,
      fingerprint256: info.fingerprint256,
    };
  } catch (err) {
    return { name, kind, present: true, problem: `unparseable certificate (${(err as Error).message})` };
  }
}

function kubeletConfFact(
  body: string | undefined,
  referencedPem: string | undefined,
  now: Date,
): NodeFacts['kubeletConf'] {
  if (body === undefined || body.trim() === 'MISSING') return { present: false, embedded: false };
  const kc = parseKubeconfigPublic(body);
  const embedded = Boolean(kc.clientCertPem);
  const pem = kc.clientCertPem ?? splitPemCertificates(referencedPem ?? '')[0];
  const base = { present: true, embedded, clientCertPath: embedded ? undefined : kc.clientCertPath };
  if (!pem) return base;
  try {
    const info = parseCertificate(pem);
    return {
      ...base,
      notBefore: info.notBefore.toISOString(),
      notAfter: info.notAfter.toISOString(),
      residualSeconds: secondsLeft(info.notAfter, now),
      serial: info.serial,
      subject: info.subject,
      issuer: info.issuer,
    };
  } catch {
    return base;
  }
}
