// Certificates as facts. Node's built-in X509Certificate parses RSA and ECDSA certificates natively
// (node-forge reads RSA only), checks issuance and signatures, and never needs a private key here:
// key/cert matching is done on the node by comparing public keys (see node-scripts.ts).
import { X509Certificate, createHash } from 'node:crypto';

export interface CertInfo {
  subject: string;
  issuer: string;
  /** Lower-case hex without colons or leading zeros, as openssl and the lab print it. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 fingerprint of the DER, lower-case hex without colons. */
  fingerprint256: string;
  dnsNames: string[];
  ipAddresses: string[];
  isCa: boolean;
  /** SHA-256 of the SubjectPublicKeyInfo (DER), to compare with a key's public half. */
  publicKeySha256: string;
}

const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function splitPemCertificates(text: string): string[] {
  return text.match(PEM_CERT_RE) ?? [];
}

export function normalizeSerial(hex: string): string {
  return hex.replace(/[:\s]/g, '').toLowerCase().replace(/^0+(?=.)/, '');
}

export function parseCertificate(pemOrDer: string | Buffer): CertInfo {
  const cert = new X509Certificate(pemOrDer);
  const san = cert.subjectAltName ?? '';
  const entries = san ? san.split(/,\s*/) : [];
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    serial: normalizeSerial(cert.serialNumber),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprint256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    dnsNames: entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4)),
    ipAddresses: entries.filter((e) => e.startsWith('IP Address:')).map((e) => e.slice(11)),
    isCa: cert.ca,
    publicKeySha256: createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('hex'),
  };
}

/** True when `issuerPem` issued `certPem` and its signature verifies. */
export function chainsTo(certPem: string, issuerPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(issuerPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

export function secondsLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / 1000);
}
