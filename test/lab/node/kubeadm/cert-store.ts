// Certificates on disk as kubeadm's renewal manager sees them: leaf certs (.crt/.key pairs or
// kubeconfig-embedded), their CAs, and renewal (new key, same subject/SANs/usages, signed by the CA).
import type forge from 'node-forge';
import { issueCert, parseCertPem, requestFromCert, type Issued } from '../../pki/certs.js';
import { generateKey, keyFromPrivatePem } from '../../pki/keys.js';
import type { RenewHandler, CaDef } from './catalog.js';
import { KUBERNETES_DIR, KubeadmError, readIfExists } from './env.js';
import { firstPem, loadKubeconfig } from './kubeconfig-file.js';

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
  const kc = loadKubeconfig(handlerPath(handler, certDir));
  if (!kc) return null;
  const pem = firstPem(kc.clientCertPem, 'CERTIFICATE');
  if (!pem)
    throw new KubeadmError(
      `failed to load existing certificate ${handler.name}: kubeconfig ${handlerPath(handler, certDir)} has no embedded client certificate`,
    );
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
 * CA's NotBefore (NewSignedCert), NotAfter now + the validity.
 */
export function renewedFrom(old: forge.pki.Certificate, signer: Issued, validityMs: number, now = new Date()): Issued {
  return issueCert(
    requestFromCert(old, signer.cert.validity.notBefore, new Date(now.getTime() + validityMs)),
    generateKey(),
    signer,
  );
}
