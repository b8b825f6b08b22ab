// The kubelet's client credentials at startup, after pkg/kubelet/certificate/bootstrap
// (LoadClientConfig, isClientConfigStillValid): an expired or unreadable kubelet.conf falls back to
// the bootstrap kubeconfig; kubelet.conf is then rewritten to point at kubelet-client-current.pem,
// and a new certificate is obtained when that file is not valid. The lab signs it itself (no CSR
// API): with the cluster CA of the node (/etc/kubernetes/pki/ca.{crt,key}, present on masters) or a
// lab-provided signer in /var/lib/kcrlab/signer/ca.{crt,key}; without either it fails.
import fs from 'node:fs';
import path from 'node:path';
import { stringify, parse } from 'yaml';
import { nodePaths } from '../common/paths.js';
import { certsInPem, inNode, issueClientCertificate, readKubeconfigCredential, type Signer } from './certs.js';
import { goTimeString } from './format.js';
import { klog } from './kubelet-log.js';

const kubeletConf = '/etc/kubernetes/kubelet.conf';
const bootstrapConf = '/etc/kubernetes/bootstrap-kubelet.conf';
const currentPem = '/var/lib/kubelet/pki/kubelet-client-current.pem';

/** null when the kubelet may run; otherwise the fatal error (already logged with its causes). */
export function prepareClientCredentials(nodeName: string): string | null {
  if (clientConfigStillValid(kubeletConf)) return null;
  if (!fs.existsSync(nodePaths.bootstrapKubeletConf)) {
    return `unable to load bootstrap kubeconfig: stat ${bootstrapConf}: no such file or directory`;
  }
  let bootstrap: KubeconfigDoc;
  try {
    bootstrap = parse(fs.readFileSync(nodePaths.bootstrapKubeletConf, 'utf8')) as KubeconfigDoc;
  } catch (err) {
    return `unable to load bootstrap kubeconfig: ${(err as Error).message}`;
  }
  writeKubeconfigFromBootstrapping(bootstrap);
  klog('I', 'bootstrap.go:84', 'Using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file');
  if (pemStillValid()) {
    klog('I', 'certificate_store.go:130', `Loading cert/key pair from "${currentPem}".`);
    return null;
  }
  return requestClientCertificate(nodeName);
}

function clientConfigStillValid(nodeFile: string): boolean {
  if (!fs.existsSync(inNode(nodeFile))) return false;
  let cred;
  try {
    cred = readKubeconfigCredential(nodeFile);
  } catch (err) {
    klog(
      'E',
      'bootstrap.go:244',
      `unable to read existing bootstrap client config from ${nodeFile}: ${(err as Error).message}`,
    );
    return false;
  }
  if (!cred.certPem) {
    klog(
      'E',
      'bootstrap.go:250',
      `unable to load TLS configuration from existing bootstrap client config read from ${nodeFile}: ${cred.problem ?? 'no client certificate'}`,
    );
    return false;
  }
  return certificatesCurrent(
    cred.certPem,
    `unable to load TLS certificates from existing bootstrap client config read from ${nodeFile}`,
  );
}

/** Logs and returns false when a certificate in the bundle has expired (or none parses). */
function certificatesCurrent(pem: string, unreadable: string): boolean {
  let certs;
  try {
    certs = certsInPem(pem);
  } catch (err) {
    klog('E', 'bootstrap.go:256', `${unreadable}: ${(err as Error).message}`);
    return false;
  }
  if (certs.length === 0) {
    klog('E', 'bootstrap.go:260', `${unreadable}: data does not contain any valid RSA or ECDSA certificates`);
    return false;
  }
  for (const cert of certs) {
    const notAfter = new Date(cert.validTo);
    if (Date.now() > notAfter.getTime()) {
      klog(
        'E',
        'bootstrap.go:265',
        `part of the existing bootstrap client certificate is expired: ${goTimeString(notAfter)}`,
      );
      return false;
    }
  }
  return true;
}

function pemStillValid(): boolean {
  try {
    return certsInPem(fs.readFileSync(inNode(currentPem), 'utf8')).every(
      (c) => Date.now() < new Date(c.validTo).getTime(),
    );
  } catch {
    return false;
  }
}

interface KubeconfigDoc {
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  'current-context'?: string;
}

/** kubelet.conf with the bootstrap file's cluster and the certificate store's file as credentials. */
function writeKubeconfigFromBootstrapping(bootstrap: KubeconfigDoc): void {
  const contextCluster = bootstrap.contexts?.find((c) => c.name === bootstrap['current-context'])?.context?.cluster;
  const cluster =
    (bootstrap.clusters?.find((c) => c.name === contextCluster) ?? bootstrap.clusters?.[0])?.cluster ?? {};
  const doc = {
    apiVersion: 'v1',
    clusters: [{ cluster, name: 'default-cluster' }],
    contexts: [
      { context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' }, name: 'default-context' },
    ],
    'current-context': 'default-context',
    kind: 'Config',
    preferences: {},
    users: [{ name: 'default-auth', user: { 'client-certificate': currentPem, 'client-key': currentPem } }],
  };
  const tmp = `${nodePaths.kubeletConf}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, stringify(doc), { mode: 0o600 });
  fs.renameSync(tmp, nodePaths.kubeletConf);
}

function readSigner(dir: string): Signer | null {
  try {
    return {
      certPem: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
      keyPem: fs.readFileSync(path.join(dir, 'ca.key'), 'utf8'),
    };
  } catch {
    return null;
  }
}

const failedRequest = 'Failed while requesting a signed certificate from the master';

/** The CSR round trip, done locally: new key, CN system:node:<node>, O system:nodes, one year. */
function requestClientCertificate(nodeName: string): string | null {
  const bootstrapCred = readKubeconfigCredential(bootstrapConf);
  const credentialOk =
    bootstrapCred.hasToken ||
    (bootstrapCred.certPem !== null &&
      certsInPem(bootstrapCred.certPem).every((c) => Date.now() < new Date(c.validTo).getTime()));
  if (!credentialOk) {
    klog(
      'E',
      'certificate_manager.go:434',
      `${failedRequest}: cannot create certificate signing request: Unauthorized`,
    );
    return 'unable to bootstrap the client certificate: cannot create certificate signing request: Unauthorized';
  }
  const signer = readSigner(nodePaths.pkiDir) ?? readSigner(path.join(nodePaths.labDir, 'signer'));
  if (!signer) {
    klog(
      'E',
      'certificate_manager.go:434',
      `${failedRequest}: no signer: the lab signs kubelet CSRs with /etc/kubernetes/pki/ca.key or /var/lib/kcrlab/signer/ca.key, and this node has neither`,
    );
    return 'unable to bootstrap the client certificate: timed out waiting for the condition';
  }
  const now = Date.now();
  const caNotAfter = new Date(certsInPem(signer.certPem)[0]?.validTo ?? now).getTime();
  const issued = issueClientCertificate({
    commonName: `system:node:${nodeName}`,
    organizations: ['system:nodes'],
    notBefore: new Date(now - 5 * 60_000),
    notAfter: new Date(Math.min(now + 365 * 24 * 3600_000, caNotAfter)),
    signer,
  });
  const stamp = new Date(now).toISOString().slice(0, 19).replace(/[T:]/g, '-');
  const pemName = `kubelet-client-${stamp}.pem`;
  fs.mkdirSync(nodePaths.kubeletPkiDir, { recursive: true });
  fs.writeFileSync(path.join(nodePaths.kubeletPkiDir, pemName), issued.certPem + issued.keyPem, { mode: 0o600 });
  const link = path.join(nodePaths.kubeletPkiDir, `.current.${process.pid}`);
  fs.rmSync(link, { force: true });
  // Relative, so the link also resolves when a test re-roots the node under KCRLAB_ROOT.
  fs.symlinkSync(pemName, link);
  fs.renameSync(link, inNode(currentPem));
  klog(
    'I',
    'certificate_manager.go:556',
    'Certificate rotation detected, shutting down client connections to start using new credentials',
  );
  return null;
}
