// A certificate a running component serves (read off the wire by SERVED_FACTS_SCRIPT), compared
// with the file on disk it should be serving. Pure: no I/O.
import { parseCertificate, secondsLeft, splitPemCertificates } from './x509.js';

export interface ServedCert {
  name: string;
  port: number;
  /** The certificate file it should serve, and the CA that signs that file. */
  diskName: string;
  ca?: string;
  present: boolean;
  notBefore?: string;
  notAfter?: string;
  residualSeconds?: number;
  serial?: string;
  subject?: string;
  issuer?: string;
  matchesDisk?: boolean;
}

/** The first certificate of `body` as served on `port`; `present: false` when there is none or it does not parse. */
export function servedCertOf(
  name: string,
  port: number,
  diskName: string,
  ca: string,
  body: string | undefined,
  diskFingerprint: string | undefined,
  now: Date,
): ServedCert {
  const pem = splitPemCertificates(body ?? '')[0];
  if (!pem) return { name, port, diskName, ca, present: false };
  try {
    const info = parseCertificate(pem);
    return {
      name,
      port,
      diskName,
      ca,
      present: true,
      notBefore: info.notBefore.toISOString(),
      notAfter: info.notAfter.toISOString(),
      residualSeconds: secondsLeft(info.notAfter, now),
      serial: info.serial,
      subject: info.subject,
      issuer: info.issuer,
      matchesDisk: diskFingerprint ? info.fingerprint256 === diskFingerprint : undefined,
    };
  } catch {
    return { name, port, diskName, ca, present: false };
  }
}
