// A client of etcd's v3 JSON gRPC-gateway (POST /v3beta/kv/*, base64 keys and values, int64 as
// strings, zero values omitted), over TLS with a client certificate read from its files for every
// new connection, as a real kube-apiserver does (etcd's transport.TLSInfo sets
// GetClientCertificate, which reads the pair at each handshake): connections kept alive keep the
// certificate they were made with, a reconnect presents the file as it is now.
import fs from 'node:fs';
import https from 'node:https';
import type { Duplex } from 'node:stream';

export interface EtcdTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface EtcdKv {
  key: string;
  value: Buffer;
  createRevision: number;
  modRevision: number;
}

export interface EtcdCompare {
  key: string;
  /** Compare every key in [key, rangeEnd) (etcd >= 3.3). */
  rangeEnd?: string;
  target: 'CREATE' | 'MOD' | 'VERSION';
  result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  revision: number;
}

export type EtcdOp = { put: { key: string; value: string } } | { delete: { key: string } } | { get: { key: string } };

export interface EtcdTxnResult {
  succeeded: boolean;
  revision: number;
  /** Keys and values of `get` operations, in order, on the branch that ran. */
  gets: EtcdKv[][];
  /** Previous values of `delete` operations, in order. */
  deleted: EtcdKv[][];
}

type Json = Record<string, unknown>;

/** /v3beta: etcd 3.3 serves only this prefix, 3.4 (the lab's etcd) both; the real API server speaks
 *  gRPC, which needs none, so the stand-in works on either (topology etcdGateway: v3beta). */
const gateway = '/v3beta';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const num = (v: unknown): number => (v === undefined ? 0 : Number(v));

/** The end of the range holding every key that starts with `prefix` (Kubernetes keys are ASCII). */
export function prefixEnd(prefix: string): string {
  if (!/^[ -~]+$/.test(prefix)) throw new Error(`prefixEnd: not a non-empty ASCII key: ${prefix}`);
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function decodeKvs(kvs: unknown): EtcdKv[] {
  if (!Array.isArray(kvs)) return [];
  return kvs.map((kv: Json) => ({
    key: Buffer.from(String(kv.key ?? ''), 'base64').toString('utf8'),
    value: Buffer.from(String(kv.value ?? ''), 'base64'),
    createRevision: num(kv.create_revision),
    modRevision: num(kv.mod_revision),
  }));
}

function encodeCompare(c: EtcdCompare): Json {
  const field = { CREATE: 'create_revision', MOD: 'mod_revision', VERSION: 'version' }[c.target];
  return {
    key: b64(c.key),
    ...(c.rangeEnd !== undefined ? { range_end: b64(c.rangeEnd) } : {}),
    target: c.target,
    result: c.result,
    [field]: String(c.revision),
  };
}

function encodeOp(op: EtcdOp): Json {
  if ('put' in op) return { request_put: { key: b64(op.put.key), value: b64(op.put.value) } };
  if ('delete' in op) return { request_delete_range: { key: b64(op.delete.key), prev_kv: true } };
  return { request_range: { key: b64(op.get.key) } };
}

export class EtcdError extends Error {}

/** The trusted CA is read once (as etcd's TLSInfo does); the client pair at every new connection. */
class ClientCertPerConnectionAgent extends https.Agent {
  constructor(
    private readonly files: EtcdTlsFiles,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex {
    const withPair = {
      ...options,
      cert: fs.readFileSync(this.files.certFile),
      key: fs.readFileSync(this.files.keyFile),
    };
    return (
      https.Agent.prototype as unknown as { createConnection: (o: unknown, cb?: unknown) => Duplex }
    ).createConnection.call(this, withPair, callback);
  }
}

export class EtcdClient {
  private readonly agent: https.Agent;
  private preferred = 0;

  constructor(
    private readonly endpoints: string[],
    tls: EtcdTlsFiles,
    private readonly timeoutMs = 5000,
  ) {
    if (endpoints.length === 0) throw new Error('no etcd endpoints');
    this.agent = new ClientCertPerConnectionAgent(tls, {
      keepAlive: true,
      maxSockets: 16,
      // No TLS session resumption: every handshake presents the client certificate.
      maxCachedSessions: 0,
      ca: fs.readFileSync(tls.caFile),
    });
  }

  async range(
    key: string,
    opts: { prefix?: boolean; countOnly?: boolean } = {},
  ): Promise<{ kvs: EtcdKv[]; count: number; revision: number }> {
    const body: Json = { key: b64(key) };
    if (opts.prefix) body.range_end = b64(prefixEnd(key));
    if (opts.countOnly) body.count_only = true;
    const res = await this.call(`${gateway}/kv/range`, body);
    return {
      kvs: decodeKvs(res.kvs),
      count: num(res.count),
      revision: num((res.header as Json | undefined)?.revision),
    };
  }

  async txn(compare: EtcdCompare[], success: EtcdOp[], failure: EtcdOp[] = []): Promise<EtcdTxnResult> {
    const res = await this.call(`${gateway}/kv/txn`, {
      compare: compare.map(encodeCompare),
      success: success.map(encodeOp),
      failure: failure.map(encodeOp),
    });
    const responses = Array.isArray(res.responses) ? (res.responses as Json[]) : [];
    return {
      succeeded: res.succeeded === true,
      revision: num((res.header as Json | undefined)?.revision),
      gets: responses
        .filter((r) => r.response_range !== undefined)
        .map((r) => decodeKvs((r.response_range as Json).kvs)),
      deleted: responses
        .filter((r) => r.response_delete_range !== undefined)
        .map((r) => decodeKvs((r.response_delete_range as Json).prev_kvs)),
    };
  }

  close(): void {
    this.agent.destroy();
  }

  /** POSTs to the preferred endpoint, then to the others in turn on a connection error. */
  private async call(path: string, body: Json): Promise<Json> {
    let lastError: unknown;
    for (let i = 0; i < this.endpoints.length; i++) {
      const index = (this.preferred + i) % this.endpoints.length;
      try {
        const result = await this.post(`${this.endpoints[index]}${path}`, body);
        this.preferred = index;
        return result;
      } catch (err) {
        if (err instanceof EtcdError) throw err;
        lastError = err;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  private post(url: string, body: Json): Promise<Json> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Json;
            try {
              parsed = JSON.parse(text) as Json;
            } catch {
              reject(new Error(`etcd ${url}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
              return;
            }
            if (res.statusCode !== 200)
              reject(
                new EtcdError(`etcd ${url}: HTTP ${res.statusCode}: ${String(parsed.error ?? parsed.message ?? text)}`),
              );
            else resolve(parsed);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`etcd ${url}: timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
