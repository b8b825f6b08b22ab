// Classifies ssh2 / socket errors: which are worth a retry, and the short reason shown to the user.
// ssh2 tags its errors with `level` (client-socket, client-dns, client-timeout,
// client-authentication, handshake, protocol, ...); sockets add a `code` (ECONNREFUSED, ...).
import { KcrError, UnreachableError, type ErrorContext } from '../errors.js';

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Refused, reset, timed out: the host may be restarting sshd, so a retry may help. Never auth or
 *  host-key failures (KcrErrors we raised ourselves), which would only hammer the host. */
export function isTransientConnectError(err: unknown): boolean {
  if (err instanceof KcrError) return false;
  const e = err as Ssh2Error;
  if (e.level === 'client-timeout') return true;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  // A bastion's forwardOut to a target that is down: "(SSH) Channel open failure: Connection refused".
  return /channel open failure: (connection refused|connect failed|timed out|no route)/i.test(e.message ?? '');
}

/** A short reason for an ssh2 connect error, with no secrets (ssh2 messages carry none). */
export function connectFailureReason(err: unknown, connectTimeoutMs: number): string {
  const e = err as Ssh2Error;
  const code = e.code ?? '';
  if (code === 'ECONNREFUSED' || /connection refused/i.test(e.message)) return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || e.level === 'client-dns') return 'host name not found (DNS)';
  if (code === 'ETIMEDOUT' || e.level === 'client-timeout') return `connect timed out (${connectTimeoutMs} ms)`;
  if (code === 'ECONNRESET') return 'connection reset by peer';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'no route to host';
  if (e.level === 'client-authentication') return 'authentication failed (all configured methods were rejected)';
  return e.message || String(err);
}

/** Wraps any connect failure into an UnreachableError naming the host (our own KcrErrors pass). */
export function toUnreachable(err: unknown, where: string, context: ErrorContext, connectTimeoutMs: number): KcrError {
  if (err instanceof KcrError) return err;
  return new UnreachableError(
    `cannot connect to ${where}: ${connectFailureReason(err, connectTimeoutMs)}`,
    context,
    undefined,
    {
      cause: err,
    },
  );
}
