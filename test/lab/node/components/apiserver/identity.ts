// Who sent a request: the client certificate's CN and O (verified against --client-ca-file by the
// TLS layer, which requests but does not require a certificate), anonymous without one, or
// invalid (expired, foreign CA): a real apiserver answers 401 then, even on /healthz.
import type { TLSSocket } from 'node:tls';

export type Identity =
  | { kind: 'user'; name: string; groups: string[] }
  | { kind: 'anonymous'; name: 'system:anonymous' }
  | { kind: 'invalid'; reason: string };

/** --token-auth-file: `token,user,uid[,"group1,group2"]` per line. */
export type StaticTokens = ReadonlyMap<string, { name: string; groups: string[] }>;

export function parseTokenFile(text: string): StaticTokens {
  const tokens = new Map<string, { name: string; groups: string[] }>();
  for (const line of text.split('\n')) {
    const [token, name, _uid, ...rest] = line.trim().split(',');
    if (!token || !name) continue;
    const groups = rest.join(',').replace(/^"|"$/g, '');
    tokens.set(token, { name, groups: groups ? groups.split(',') : [] });
  }
  return tokens;
}

/** The x509 authenticator first, then the bearer token (the real apiserver's union order). */
export function identify(socket: TLSSocket, authorization?: string, tokens?: StaticTokens): Identity {
  const cert = socket.getPeerCertificate();
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if ((!cert || Object.keys(cert).length === 0) && bearer) {
    const user = tokens?.get(bearer);
    return user ? { kind: 'user', ...user } : { kind: 'invalid', reason: 'invalid bearer token' };
  }
  if (!cert || Object.keys(cert).length === 0) return { kind: 'anonymous', name: 'system:anonymous' };
  if (!socket.authorized)
    return { kind: 'invalid', reason: String(socket.authorizationError ?? 'unverified client certificate') };
  const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
  const organizations = subject.O;
  return {
    kind: 'user',
    name: String(subject.CN ?? ''),
    groups: organizations === undefined ? [] : Array.isArray(organizations) ? organizations : [organizations],
  };
}
