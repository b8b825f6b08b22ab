// One JSON request to the API server with the credentials of a kubeconfig (a new connection each
// time, so nothing is cached between calls).
import https from 'node:https';
import type { KubeconfigCredentials } from './kubeconfig.js';

export interface ApiResponse {
  status: number;
  text: string;
  body: unknown;
}

export function requestJson(
  creds: KubeconfigCredentials,
  method: string,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<ApiResponse> {
  const url = new URL(path, creds.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string | number> = { accept: 'application/json' };
  if (payload !== undefined)
    Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, ca: creds.ca, cert: creds.cert, key: creds.key, timeout: timeoutMs, agent: false, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.href}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
