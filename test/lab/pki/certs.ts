// X.509 issuing as kubeadm does it (Go's x509.CreateCertificate with kubeadm's templates): node-forge
// builds the certificate body, Node's native RSA signs it with SHA-256.
import crypto from 'node:crypto';
import forge from 'node-forge';
import type { LabKey } from './keys.js';

export type ExtUsage = 'serverAuth' | 'clientAuth';

export interface CertRequest {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usages?: ExtUsage[];
  isCA?: boolean;
  notBefore: Date;
  notAfter: Date;
}

export interface Signer {
  cert: forge.pki.Certificate;
  key: LabKey;
}

export interface Issued extends Signer {
  certPem: string;
}

export const DAY_MS = 24 * 3600 * 1000;

/** A positive serial of 8 to 16 random bytes, minimally DER-encoded (first byte 0x01..0x7f). */
export function randomSerialHex(): string {
  const bytes = crypto.randomBytes(8 + crypto.randomInt(9));
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

// Go encodes a name attribute as PrintableString when it can, else UTF8String.
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
function attribute(shortName: string, value: string): forge.pki.CertificateField {
  const field: forge.pki.CertificateField = { shortName, value };
  if (!PRINTABLE.test(value)) field.valueTagClass = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;
  return field;
}

function subjectOf(req: CertRequest): forge.pki.CertificateField[] {
  // Go's pkix.Name order: O before CN.
  return [...(req.organizations ?? []).map((o) => attribute('O', o)), attribute('CN', req.commonName)];
}

function subjectKeyIdBytes(cert: forge.pki.Certificate): string {
  const ext = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  if (ext?.subjectKeyIdentifier) return forge.util.hexToBytes(ext.subjectKeyIdentifier);
  return cert.generateSubjectKeyIdentifier().getBytes();
}

function extensionsOf(req: CertRequest, signer: Signer | undefined): object[] {
  const isCA = req.isCA === true;
  const extensions: object[] = [
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: isCA },
  ];
  const usages = req.usages ?? [];
  if (usages.length > 0) {
    extensions.push({
      name: 'extKeyUsage',
      serverAuth: usages.includes('serverAuth'),
      clientAuth: usages.includes('clientAuth'),
    });
  }
  extensions.push({ name: 'basicConstraints', critical: true, cA: isCA });
  if (isCA) extensions.push({ name: 'subjectKeyIdentifier' });
  if (signer) extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyIdBytes(signer.cert) });
  const altNames = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(req.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  return extensions;
}

/** Issues a certificate for `key`, signed by `signer` (self-signed when absent). */
export function issueCert(req: CertRequest, key: LabKey, signer?: Signer): Issued {
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = req.notBefore;
  cert.validity.notAfter = req.notAfter;
  cert.setSubject(subjectOf(req));
  cert.setIssuer(signer ? signer.cert.subject.attributes : subjectOf(req));
  cert.setExtensions(extensionsOf(req, signer));
  const signingKey = signer ? signer.key : key;
  const oid = forge.pki.oids.sha256WithRSAEncryption as string;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  const tbs = (
    forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(cert);
  (cert as unknown as { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
  const tbsDer = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  cert.signature = crypto.sign('sha256', tbsDer, signingKey.privatePem).toString('binary');
  return { cert, certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), key };
}

/** Reads an issued certificate back (for renewal and for signing with an existing CA). */
export function parseCertPem(pem: string): forge.pki.Certificate {
  return forge.pki.certificateFromPem(pem);
}

/** The fields kubeadm copies from an existing certificate when it renews it (`certToConfig`). */
export function requestFromCert(cert: forge.pki.Certificate, notBefore: Date, notAfter: Date): CertRequest {
  const values = (shortName: string): string[] =>
    cert.subject.attributes.filter((a) => a.shortName === shortName).map((a) => String(a.value));
  const san = cert.getExtension('subjectAltName') as
    { altNames?: { type: number; value?: string; ip?: string }[] } | undefined;
  const eku = cert.getExtension('extKeyUsage') as { serverAuth?: boolean; clientAuth?: boolean } | undefined;
  const usages: ExtUsage[] = [];
  if (eku?.serverAuth) usages.push('serverAuth');
  if (eku?.clientAuth) usages.push('clientAuth');
  return {
    commonName: values('CN')[0] ?? '',
    organizations: values('O'),
    dnsNames: (san?.altNames ?? []).filter((n) => n.type === 2).map((n) => n.value ?? ''),
    ipAddresses: (san?.altNames ?? []).filter((n) => n.type === 7 && n.ip).map((n) => n.ip as string),
    usages,
    notBefore,
    notAfter,
  };
}
