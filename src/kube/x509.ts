// Certificates as facts. Node's built-in X509Certificate parses RSA and ECDSA certificates natively
// (node-forge reads RSA only), checks issuance and signatures, and never needs a private key here:
// key/cert matching compares the certificate's public key with the public half the node derives
// from the key (see node-scripts.ts).
import { X509Certificate, createHash, createPublicKey } from 'node:crypto';

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
  return hex
    .replace(/[:\s]/g, '')
    .toLowerCase()
    .replace(/^0+(?=.)/, '');
}

/**
 * Parsed certificates by PEM text. A fleet check reads each certificate once but looks at it up to
 * four times (facts, key match, chain, report) and each CA once per leaf: parsing and the public
 * key's export are most of the tool's own CPU there. Bounded: cleared when full.
 */
const parsed = new Map<string, { x509: X509Certificate; info: CertInfo }>();
const PARSED_MAX = 4096;

function parseCached(pemOrDer: string | Buffer): { x509: X509Certificate; info: CertInfo } {
  const key = typeof pemOrDer === 'string' ? pemOrDer : undefined;
  const hit = key === undefined ? undefined : parsed.get(key);
  if (hit) return hit;
  const x509 = new X509Certificate(pemOrDer);
  const entry = { x509, info: describe(x509) };
  if (key !== undefined) {
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(key, entry);
  }
  return entry;
}

function describe(cert: X509Certificate): CertInfo {
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
    publicKeySha256: createHash('sha256')
      .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex'),
  };
}

/** The certificate's facts; throws on anything that is not one certificate. Callers must not mutate the result. */
export function parseCertificate(pemOrDer: string | Buffer): CertInfo {
  return parseCached(pemOrDer).info;
}

/** SHA-256 of a public key's SubjectPublicKeyInfo (DER), from its PEM; undefined when it is not one. */
export function publicKeySha256(publicPem: string | undefined): string | undefined {
  const pem = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/.exec(publicPem ?? '')?.[0];
  if (!pem) return undefined;
  try {
    return createHash('sha256')
      .update(createPublicKey(pem).export({ type: 'spki', format: 'der' }))
      .digest('hex');
  } catch {
    return undefined;
  }
}

/** True when `issuerPem` issued `certPem` and its signature verifies. */
export function chainsTo(certPem: string, issuerPem: string): boolean {
  try {
    const cert = parseCached(certPem).x509;
    const ca = parseCached(issuerPem).x509;
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

export function secondsLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / 1000);
}
