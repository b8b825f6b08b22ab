// Who sent a request: the client certificate's CN and O (verified against --client-ca-file by the
// TLS layer, which requests but does not require a certificate), anonymous without one, or
// invalid (expired, foreign CA): a real apiserver answers 401 then, even on /healthz.
import type { TLSSocket } from 'node:tls';

export type Identity =
  | { kind: 'user'; name: string; groups: string[] }
  | { kind: 'anonymous'; name: 'system:anonymous' }
  | { kind: 'invalid'; reason: string };

export function identify(socket: TLSSocket): Identity {
  const cert = socket.getPeerCertificate();
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
