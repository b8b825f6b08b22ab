// Certificates as the runtime sees them: the serial a component loads at start, the client
// certificate a kubeconfig carries, and issuing the kubelet's client certificate in a simulated TLS
// bootstrap (node-forge, RSA 2048, like the rest of the lab's PKI).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { parse } from 'yaml';

/** A path inside the node, re-rooted under KCRLAB_ROOT when a test runs node programs on the host. */
export function inNode(nodePath: string): string {
  return path.join(process.env.KCRLAB_ROOT ?? '/', nodePath);
}

/** Lower-case hex, no colons (CONTRACT.md). */
export function certSerial(pem: string | Buffer): string {
  return new crypto.X509Certificate(pem).serialNumber.toLowerCase();
}

/** Every certificate in a PEM bundle (a kubelet-client pem holds the certificate and the key). */
export function certsInPem(pem: string): crypto.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new crypto.X509Certificate(b));
}

/** `--name=value` or `--name value` from an argv. */
export function flagValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    if (arg === `--${name}`) return argv[i + 1];
  }
  return undefined;
}

export interface KubeconfigCredential {
  /** The client certificate PEM, embedded or read from its file; null when absent or unreadable. */
  certPem: string | null;
  embedded: boolean;
  /** client-certificate path inside the node, when not embedded. */
  certFile: string | null;
  hasToken: boolean;
  /** Why certPem is null, when it is. */
  problem?: string;
}

interface KubeconfigDoc {
  users?: { name?: string; user?: Record<string, string> }[];
  contexts?: { name?: string; context?: { user?: string } }[];
  'current-context'?: string;
}

/** The credential of the current context's user (or the first user) of a kubeconfig inside the node. */
export function readKubeconfigCredential(nodeFile: string): KubeconfigCredential {
  const doc = parse(fs.readFileSync(inNode(nodeFile), 'utf8')) as KubeconfigDoc | null;
  const contextUser = doc?.contexts?.find((c) => c.name === doc['current-context'])?.context?.user;
  const user = (doc?.users?.find((u) => u.name === contextUser) ?? doc?.users?.[0])?.user ?? {};
  const hasToken = typeof user.token === 'string' && user.token.length > 0;
  const data = user['client-certificate-data'];
  if (data) return { certPem: Buffer.from(data, 'base64').toString('utf8'), embedded: true, certFile: null, hasToken };
  const file = user['client-certificate'];
  if (!file) return { certPem: null, embedded: false, certFile: null, hasToken, problem: 'no client certificate' };
  const absolute = path.posix.isAbsolute(file) ? file : path.posix.join(path.posix.dirname(nodeFile), file);
  try {
    return { certPem: fs.readFileSync(inNode(absolute), 'utf8'), embedded: false, certFile: absolute, hasToken };
  } catch (err) {
    return { certPem: null, embedded: false, certFile: absolute, hasToken, problem: (err as Error).message };
  }
}

/** The certificate a component reads at start (CONTRACT.md), by its program name and flags. */
export function loadedCertificate(program: string, argv: string[]): { serial: string | null; file: string | null } {
  let file: string | undefined;
  if (program === 'etcd') file = flagValue(argv, 'cert-file');
  else if (program === 'kube-apiserver') file = flagValue(argv, 'tls-cert-file');
  else if (program === 'kube-controller-manager' || program === 'kube-scheduler') {
    const kubeconfig = flagValue(argv, 'kubeconfig');
    if (!kubeconfig) return { serial: null, file: null };
    try {
      const cred = readKubeconfigCredential(kubeconfig);
      return { serial: cred.certPem ? certSerial(cred.certPem) : null, file: cred.certFile ?? kubeconfig };
    } catch {
      return { serial: null, file: kubeconfig };
    }
  }
  if (!file) return { serial: null, file: null };
  try {
    return { serial: certSerial(fs.readFileSync(inNode(file))), file };
  } catch {
    return { serial: null, file };
  }
}

export interface Signer {
  certPem: string;
  keyPem: string;
}

export interface IssueRequest {
  commonName: string;
  organizations: string[];
  notBefore: Date;
  notAfter: Date;
  signer: Signer;
  /** PEM public key of the subject; a new RSA 2048 pair is made when absent. */
  publicKeyPem?: string;
}

/** A client certificate (clientAuth) signed by signer; returns certificate and key PEM. */
export function issueClientCertificate(req: IssueRequest): { certPem: string; keyPem: string } {
  let keyPem = '';
  let publicKeyPem = req.publicKeyPem;
  if (!publicKeyPem) {
    const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyPem = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }
  const caCert = forge.pki.certificateFromPem(req.signer.certPem);
  const caKey = forge.pki.privateKeyFromPem(req.signer.keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  // A positive serial with no leading zero byte (DER INTEGER), 63 random bits like Go's tools.
  const serial = crypto.randomBytes(8);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x10;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = req.notBefore;
  cert.validity.notAfter = req.notAfter;
  const subject = [
    ...req.organizations.map((o) => ({ name: 'organizationName', value: o })),
    { name: 'commonName', value: req.commonName },
  ];
  cert.setSubject(subject);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'basicConstraints', critical: true, cA: false },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
