// The HTTP front of the stand-in: authentication by client certificate, health and version
// (anonymous allowed, as system:public-info-viewer), discovery, OpenAPI and the resources.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { errorMessage, type Klog } from '../klog.js';
import { apiGroupDocument, apiGroupList, apiResourceList, apiVersions, openApiV2, versionInfo } from './discovery.js';
import type { ApiserverHealth, HealthEndpoint } from './health.js';
import { identify, type Identity, type StaticTokens } from './identity.js';
import { findResource } from './resources.js';
import { serveResource, type RestContext } from './rest.js';
import {
  ApiError,
  badRequest,
  forbiddenPath,
  forbiddenResource,
  internalError,
  pathNotFound,
  unauthorized,
} from './status.js';

export interface ApiserverContext extends RestContext {
  health: ApiserverHealth;
  log: Klog;
  kubernetesVersion: string;
  /** host:port advertised in /api. */
  serverAddress: string;
  /** From --token-auth-file (TKEStack's token kubeconfigs). */
  tokens?: StaticTokens;
}

const maxBodyBytes = 8 * 1024 * 1024;
const healthEndpoints: readonly string[] = ['healthz', 'livez', 'readyz'];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) req.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': payload.length,
    'cache-control': 'no-cache, private',
  });
  res.end(payload);
}

const verbOf = (method: string, named: boolean): string =>
  ({
    GET: named ? 'get' : 'list',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: named ? 'delete' : 'deletecollection',
  })[method] ?? method.toLowerCase();

function anonymousPaths(segments: string[]): boolean {
  return segments.length === 0 ? false : healthEndpoints.includes(segments[0] ?? '') || segments[0] === 'version';
}

async function route(
  ctx: ApiserverContext,
  req: IncomingMessage,
  url: URL,
  who: Identity,
): Promise<[number, unknown, string?]> {
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const method = req.method ?? 'GET';
  const [first = '', second, third] = segments;
  if (who.kind === 'invalid') throw unauthorized();

  if (healthEndpoints.includes(first) && segments.length <= 2) {
    const answer = ctx.health.respond(
      first as HealthEndpoint,
      segments.slice(1).join('/'),
      url.searchParams.has('verbose'),
    );
    if (!answer) throw pathNotFound();
    return [answer.status, answer.body, 'text/plain; charset=utf-8'];
  }
  if (first === 'version' && segments.length === 1) return [200, versionInfo(ctx.kubernetesVersion)];
  if (who.kind === 'anonymous' && !anonymousPaths(segments)) {
    const parsed = first === 'api' || first === 'apis' ? resourcePath(segments) : undefined;
    if (parsed?.res)
      throw forbiddenResource(who.name, verbOf(method, parsed.name !== undefined), parsed.res, parsed.namespace);
    throw forbiddenPath(who.name, method.toLowerCase(), url.pathname);
  }

  if (method === 'GET') {
    if (first === 'api' && segments.length === 1) return [200, apiVersions(ctx.serverAddress)];
    if (first === 'api' && segments.length === 2) return found(apiResourceList('', second ?? ''));
    if (first === 'apis' && segments.length === 1) return [200, apiGroupList()];
    if (first === 'apis' && segments.length === 2) return found(apiGroupDocument(second ?? ''));
    if (first === 'apis' && segments.length === 3) return found(apiResourceList(second ?? '', third ?? ''));
    if (first === 'openapi' && second === 'v2' && segments.length === 2) {
      const doc = openApiV2(
        versionInfo(ctx.kubernetesVersion).gitVersion ?? '',
        /protobuf/.test(req.headers.accept ?? ''),
      );
      return [200, doc.body, doc.contentType];
    }
  }
  const parsed = first === 'api' || first === 'apis' ? resourcePath(segments) : undefined;
  if (!parsed?.res || parsed.subresource) throw pathNotFound();
  const raw = ['POST', 'PUT', 'PATCH'].includes(method) ? await readBody(req) : Buffer.alloc(0);
  let body: unknown;
  try {
    body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${errorMessage(err)}`);
  }
  const [status, result] = await serveResource(ctx, {
    method,
    res: parsed.res,
    namespace: parsed.namespace,
    name: parsed.name,
    query: url.searchParams,
    accept: req.headers.accept ?? 'application/json',
    contentType: req.headers['content-type'] ?? 'application/json',
    body,
    path: url.pathname,
  });
  return [status, result];
}

function found(doc: Record<string, unknown> | undefined): [number, unknown] {
  if (!doc) throw pathNotFound();
  return [200, doc];
}

/** /api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUB...]] and /apis/GROUP/VERSION/... */
function resourcePath(
  segments: string[],
): { res?: ReturnType<typeof findResource>; namespace?: string; name?: string; subresource?: string } | undefined {
  const core = segments[0] === 'api';
  const group = core ? '' : (segments[1] ?? '');
  const version = (core ? segments[1] : segments[2]) ?? '';
  const rest = segments.slice(core ? 2 : 3);
  if (rest.length === 0) return undefined;
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize';
  const [resource, name, ...sub] = namespaced ? rest.slice(2) : rest;
  return {
    res: findResource(group, version, resource ?? ''),
    namespace: namespaced ? rest[1] : undefined,
    name,
    subresource: sub.length ? sub.join('/') : undefined,
  };
}

export function createHandler(ctx: ApiserverContext): (req: IncomingMessage, res: ServerResponse) => void {
  // Successful reads are logged once per user: the controller-manager and scheduler stand-ins poll.
  const usersSeen = new Set<string>();
  return (req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const who = identify(req.socket as TLSSocket, req.headers.authorization, ctx.tokens);
    const user = who.kind === 'invalid' ? `<invalid credentials: ${who.reason}>` : who.name;
    const quiet =
      healthEndpoints.includes(url.pathname.split('/')[1] ?? '') || (req.method === 'GET' && usersSeen.has(user));
    usersSeen.add(user);
    const logLine = (status: number): void => {
      if (quiet && status < 400) return;
      ctx.log.info(
        `verb="${req.method}" URI="${req.url}" latency="${Date.now() - started}ms" userAgent="${req.headers['user-agent'] ?? ''}" user="${user}" srcIP="${req.socket.remoteAddress}:${req.socket.remotePort}" resp=${status}`,
      );
    };
    route(ctx, req, url, who)
      .then(([status, body, contentType]) => {
        send(res, status, body, contentType);
        logLine(status);
      })
      .catch((err: unknown) => {
        const apiError = err instanceof ApiError ? err : internalError(errorMessage(err));
        if (!(err instanceof ApiError)) ctx.log.error(`${req.method} ${req.url}: ${errorMessage(err)}`);
        send(res, apiError.code, apiError.toStatus());
        logLine(apiError.code);
      });
  };
}
