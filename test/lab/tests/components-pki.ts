// Certificates for the components tests (node-forge, keys from Node's RSA generator): CAs,
// serving and client certificates, expired ones, and kubeconfigs embedding them.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Issued {
  cert: string;
  key: string;
  /** Lower-case hex, no colons. */
  serial: string;
}

export interface IssueOptions {
  cn: string;
  organizations?: string[];
  serverAuth?: boolean;
  clientAuth?: boolean;
  /** DNS names and IP addresses. */
  sans?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

const dayMs = 24 * 3600 * 1000;

function build(options: IssueOptions & { ca: boolean }, issuer?: Issued): Issued {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const serial = '1' + randomBytes(8).toString('hex');
  cert.serialNumber = serial;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - dayMs);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * dayMs);
  const subject = [
    { name: 'commonName', value: options.cn },
    ...(options.organizations ?? []).map((o) => ({ name: 'organizationName', value: o })),
  ];
  cert.setSubject(subject);
  const issuerCert = issuer ? forge.pki.certificateFromPem(issuer.cert) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: options.ca },
    options.ca
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
  ];
  if (!options.ca)
    extensions.push({
      name: 'extKeyUsage',
      serverAuth: options.serverAuth ?? false,
      clientAuth: options.clientAuth ?? false,
    });
  if (options.sans?.length) {
    extensions.push({
      name: 'subjectAltName',
      altNames: options.sans.map((h) => (/^[\d.]+$/.test(h) ? { type: 7, ip: h } : { type: 2, value: h })),
    });
  }
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(issuer ? issuer.key : key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key, serial };
}

export const makeCa = (cn: string): Issued => build({ cn, ca: true, notAfter: new Date(Date.now() + 3650 * dayMs) });

export const issue = (ca: Issued, options: IssueOptions): Issued => build({ ...options, ca: false }, ca);

/** Issued 400 days ago for 365 days: expired a month ago. */
export const expiredWindow = {
  notBefore: new Date(Date.now() - 400 * dayMs),
  notAfter: new Date(Date.now() - 35 * dayMs),
};

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A kubeconfig like kubeadm's (everything embedded). */
export function kubeconfig(server: string, ca: Issued, client: Issued, user: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(ca.cert)}`,
    `    server: ${server}`,
    '  name: kubernetes',
    'contexts:',
    '- context:',
    '    cluster: kubernetes',
    `    user: ${user}`,
    `  name: ${user}@kubernetes`,
    `current-context: ${user}@kubernetes`,
    'preferences: {}',
    'users:',
    `- name: ${user}`,
    '  user:',
    `    client-certificate-data: ${b64(client.cert)}`,
    `    client-key-data: ${b64(client.key)}`,
    '',
  ].join('\n');
}
