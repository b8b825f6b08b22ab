// client-go's util/cert GenerateSelfSignedCertKey, which kube-controller-manager and kube-scheduler
// use for their in-memory serving certificate (host "localhost", IP 127.0.0.1) and kube-apiserver
// for its loopback certificate (host "apiserver-loopback-client"): an in-memory CA
// "<host>-ca@<unix>" (serial 1) signs a leaf "<host>@<unix>" (serial 2), both valid from one hour
// before now for one year; the served chain is the leaf then the CA.
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

const hourMs = 3600 * 1000;
const yearMs = 365 * 24 * hourMs;

function rsaKey(): { pem: string; forgePublic: forge.pki.PublicKey; forgePrivate: forge.pki.rsa.PrivateKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    pem,
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    forgePrivate: forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey,
  };
}

type Subject = { name: string; value: string }[];

function unsigned(
  key: ReturnType<typeof rsaKey>,
  serial: string,
  notBefore: Date,
  notAfter: Date,
  subject: Subject,
  issuer: Subject,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.forgePublic;
  cert.serialNumber = serial;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  return cert;
}

const isIp = (h: string): boolean => /^[\d.]+$/.test(h) || h.includes(':');

export interface SelfSignedOptions {
  alternateIps?: string[];
  alternateDns?: string[];
  now?: Date;
}

/** The serving chain (leaf + CA, PEM) and the leaf's key (PKCS#1 PEM). */
export function selfSignedCertKey(host: string, options: SelfSignedOptions = {}): { cert: string; key: string } {
  const now = options.now ?? new Date();
  const unix = Math.floor(now.getTime() / 1000);
  const validFrom = new Date(now.getTime() - hourMs);
  const validTo = new Date(validFrom.getTime() + yearMs);

  const caKey = rsaKey();
  const caSubject = [{ name: 'commonName', value: `${host}-ca@${unix}` }];
  const ca = unsigned(caKey, '01', validFrom, validTo, caSubject, caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
  ]);
  ca.sign(caKey.forgePrivate, forge.md.sha256.create());

  const leafKey = rsaKey();
  const leaf = unsigned(
    leafKey,
    '02',
    validFrom,
    validTo,
    [{ name: 'commonName', value: `${host}@${unix}` }],
    caSubject,
  );
  const hosts = [host, ...(options.alternateIps ?? []), ...(options.alternateDns ?? [])];
  leaf.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
  ]);
  leaf.sign(caKey.forgePrivate, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(leaf) + forge.pki.certificateToPem(ca), key: leafKey.pem };
}
