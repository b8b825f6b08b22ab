// The certificates kube-apiserver serves. --tls-cert-file/--tls-private-key-file: from 1.17 on
// (k8s#84200) a controller re-reads the pair every FileRefreshDuration (1 min) and takes it only
// when it is a valid pair, so a half-written renewal is skipped until the next pass; 1.16 keeps
// the pair it started with. SNI "apiserver-loopback-client": the in-memory loopback certificate
// made at start (client-go GenerateSelfSignedCertKey), never reloaded.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type https from 'node:https';
import tls from 'node:tls';
import { errorMessage, type Klog } from '../klog.js';
import { selfSignedCertKey } from '../self-signed.js';

export const loopbackServerName = 'apiserver-loopback-client';
/** The real FileRefreshDuration; KCRLAB_SERVING_CERT_REFRESH_MS overrides it for tests. */
export const defaultRefreshMs = 60_000;

export interface ServingFiles {
  certFile: string;
  keyFile: string;
  clientCaFile: string;
}

/** Does this cluster version reload its serving certificate (1.17+)? */
export function reloadsServingCert(kubernetesVersion: string): boolean {
  const [major = 0, minor = 0] = kubernetesVersion.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 17);
}

export function refreshMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KCRLAB_SERVING_CERT_REFRESH_MS;
  const parsed = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : defaultRefreshMs;
}

function validPair(cert: Buffer, key: Buffer): boolean {
  try {
    return new crypto.X509Certificate(cert).checkPrivateKey(crypto.createPrivateKey(key));
  } catch {
    return false;
  }
}

export class ServingCerts {
  readonly loopback = selfSignedCertKey(loopbackServerName);
  private readonly ca: Buffer;
  private cert: Buffer;
  private key: Buffer;
  private context: tls.SecureContext;
  private readonly loopbackContext: tls.SecureContext;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly files: ServingFiles) {
    this.ca = fs.readFileSync(files.clientCaFile);
    this.cert = fs.readFileSync(files.certFile);
    this.key = fs.readFileSync(files.keyFile);
    this.context = tls.createSecureContext({ cert: this.cert, key: this.key, ca: this.ca });
    this.loopbackContext = tls.createSecureContext({ cert: this.loopback.cert, key: this.loopback.key, ca: this.ca });
  }

  /** Options for https.createServer: the files' pair by default, the loopback pair by SNI. */
  serverOptions(): https.ServerOptions {
    return {
      cert: this.cert,
      key: this.key,
      ca: this.ca,
      SNICallback: (servername, done) =>
        done(null, servername === loopbackServerName ? this.loopbackContext : this.context),
    };
  }

  /** Re-reads the pair every `periodMs`, as DynamicServingCertificateController does. */
  startRefreshing(server: https.Server, periodMs: number, log: Klog): void {
    const refresh = (): void => {
      try {
        const cert = fs.readFileSync(this.files.certFile);
        const key = fs.readFileSync(this.files.keyFile);
        if (cert.equals(this.cert) && key.equals(this.key)) return;
        if (!validPair(cert, key)) {
          log.error(
            `"Failed to load serving certificate" err="tls: private key does not match public key" certFile="${this.files.certFile}"`,
          );
          return;
        }
        this.cert = cert;
        this.key = key;
        this.context = tls.createSecureContext({ cert, key, ca: this.ca });
        server.setSecureContext({ cert, key, ca: this.ca });
        log.info(`loaded serving cert ["serving-cert::${this.files.certFile}::${this.files.keyFile}"]`);
      } catch (err) {
        log.error(`"Failed to load serving certificate": ${errorMessage(err)}`);
      }
    };
    this.timer = setInterval(refresh, periodMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
