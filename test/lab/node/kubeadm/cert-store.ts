// Certificates on disk as kubeadm's renewal manager sees them: leaf certs (.crt/.key pairs or
// kubeconfig-embedded), their CAs, and renewal (new key, same subject/SANs/usages, signed by the CA).
import type forge from 'node-forge';
import { issueCert, parseCertPem, requestFromCert, type Issued } from '../../pki/certs.js';
import { generateKey, keyFromPrivatePem } from '../../pki/keys.js';
import type { RenewHandler, CaDef } from './catalog.js';
import { KUBERNETES_DIR, KubeadmError, readIfExists } from './env.js';
import { firstPem, loadKubeconfig } from './kubeconfig-file.js';

const decodeBase64 = (b64: string | undefined): string | null =>
  b64 ? Buffer.from(b64, 'base64').toString('utf8') : null;

export function certPath(certDir: string, base: string, ext: 'crt' | 'key'): string {
  return `${certDir}/${base}.${ext}`;
}

export function handlerPath(handler: RenewHandler, certDir: string): string {
  return handler.kind === 'cert' ? certPath(certDir, handler.file, 'crt') : `${KUBERNETES_DIR}/${handler.file}`;
}

/** The handler's current certificate, or null when its file is absent. */
export function readHandlerCert(handler: RenewHandler, certDir: string): forge.pki.Certificate | null {
  if (handler.kind === 'cert') {
    const pem = readIfExists(certPath(certDir, handler.file, 'crt'));
    return pem === null ? null : parseCertPem(pem);
  }
  const file = handlerPath(handler, certDir);
  const kc = loadKubeconfig(file);
  if (!kc) return null;
  // renewal's kubeConfigReadWriter.Read: the CA and the client certificate must be embedded (a
  // file reference is not followed), checked in this order (wording of 1.20.2).
  if (!kc.cluster['certificate-authority-data'])
    throw new KubeadmError(`kubeConfig file ${file} does not have an embedded server certificate`);
  const pem = firstPem(decodeBase64(kc.user['client-certificate-data']), 'CERTIFICATE');
  if (!pem) throw new KubeadmError(`kubeConfig file ${file} does not have an embedded client certificate`);
  return parseCertPem(pem);
}

export interface LoadedCa {
  certPem: string;
  cert: forge.pki.Certificate;
  /** null: the key is absent, i.e. an external CA. */
  signer: Issued | null;
}

export function loadCa(ca: CaDef, certDir: string): LoadedCa | null {
  const certPem = readIfExists(certPath(certDir, ca.baseName, 'crt'));
  if (certPem === null) return null;
  const cert = parseCertPem(certPem);
  const keyPem = readIfExists(certPath(certDir, ca.baseName, 'key'));
  return { certPem, cert, signer: keyPem === null ? null : { cert, certPem, key: keyFromPrivatePem(keyPem) } };
}

/**
 * pkiutil.NewCertAndKey with the existing certificate's config (certToConfig): NotBefore is the
 * CA's NotBefore (NewSignedCert), NotAfter now + the validity. RemoveDuplicateAltNames runs on the
 * way: DNS names deduplicated and sorted (sets.String.List), IP addresses deduplicated in order;
 * seen on 1.20.2, applied to every version.
 */
export function renewedFrom(old: forge.pki.Certificate, signer: Issued, validityMs: number, now = new Date()): Issued {
  const request = requestFromCert(old, signer.cert.validity.notBefore, new Date(now.getTime() + validityMs));
  if (request.dnsNames) request.dnsNames = [...new Set(request.dnsNames)].sort();
  if (request.ipAddresses) request.ipAddresses = [...new Set(request.ipAddresses)];
  return issueCert(request, generateKey(), signer);
}
