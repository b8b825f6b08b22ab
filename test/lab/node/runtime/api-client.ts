// A minimal Kubernetes API client for the kubelet's API work on `components: real` nodes: JSON over
// HTTPS with a kubeconfig's client certificate, as the real kubelet talks with kubelet.conf.
import https from 'node:https';
import { resourceForKind } from '../components/apiserver/resources.js';
import { loadKubeconfig, type KubeconfigCredentials } from '../components/kubeconfig.js';

export interface ApiResponse {
  status: number;
  body: unknown;
}

export class ApiClient {
  private readonly creds: KubeconfigCredentials;

  constructor(
    kubeconfigFile: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.creds = loadKubeconfig(kubeconfigFile);
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> {
    const url = new URL(path, this.creds.server);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: this.creds.ca,
          cert: this.creds.cert,
          key: this.creds.key,
          timeout: this.timeoutMs,
          agent: false,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': contentType, 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              // not JSON (an HTML or plain-text error): keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${url.pathname}: timed out after ${this.timeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** The request, or an Error carrying the API's message when the status is not one of `ok`. */
  async expect(ok: number[], method: string, path: string, body?: unknown, contentType?: string): Promise<ApiResponse> {
    const res = await this.request(method, path, body, contentType);
    if (!ok.includes(res.status)) {
      const message =
        typeof res.body === 'object' && res.body && 'message' in res.body
          ? String((res.body as { message: unknown }).message)
          : String(res.body).slice(0, 200);
      throw new Error(`${method} ${path}: HTTP ${res.status}: ${message}`);
    }
    return res;
  }
}

/** The REST collection path of an object (the kinds the lab's API server stand-in knows; the lab seeds no others). */
export function collectionPath(apiVersion: string, kind: string, namespace: string | undefined): string {
  const res = resourceForKind(apiVersion, kind);
  if (!res) throw new Error(`no REST path known for ${apiVersion} ${kind}`);
  const prefix = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  return res.namespaced && namespace
    ? `${prefix}/namespaces/${namespace}/${res.resource}`
    : `${prefix}/${res.resource}`;
}
