// The Transport over ssh2: one Client per host, reused by every step; concurrent connect() calls
// for a host share one attempt. Handshake: keepalive on, readyTimeout from the inventory, host keys
// checked against known_hosts (host-key-policy.ts), auth from ssh-auth.ts. Transient failures
// (refused, reset, timeout) are retried with exponential backoff; auth and host-key failures never.
// A bastion is one shared Client per `user@address:port`; targets behind it are reached through
// `forwardOut` and verified against their own name and port.
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import { Client, type ConnectConfig } from 'ssh2';
import { UnreachableError, type ErrorContext } from '../errors.js';
import type { Host, SshTarget } from '../inventory/types.js';
import { checkPresentedHostKey, preferredHostKeyAlgorithms, type HostKeyPolicy } from './host-key-policy.js';
import { authConfig } from './ssh-auth.js';
import { endClient, SshConnection, trackClose, type ConnectionSettings } from './ssh-connection.js';
import { isTransientConnectError, toUnreachable } from './ssh-errors.js';
import type { Connection, Transport } from './types.js';

export interface SshTransportOptions {
  /** Record unknown host keys in the first known_hosts file (never replaces a changed key). */
  acceptNewHostKeys?: boolean;
  logger?: Logger;
  /** Per-command timeout when the caller gives none. Default 60 000. */
  defaultTimeoutMs?: number;
  /** Concurrent channels per connection. Default 8 (OpenSSH's MaxSessions is 10). */
  maxChannelsPerHost?: number;
  /** Per stream and command. Default 16 MiB. */
  maxOutputBytes?: number;
  /** Connect attempts for transient failures. Default 3. */
  connectAttempts?: number;
  /** First backoff delay; doubled after each failed attempt. Default 500. */
  retryBaseDelayMs?: number;
  /** Default 15 000; with keepaliveCountMax 4 a dead peer is noticed after about a minute. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

const MiB = 1024 * 1024;

function where(target: SshTarget): string {
  return `${target.user}@${target.address}:${target.port}`;
}

export class SshTransport implements Transport {
  private readonly connections = new Map<string, Promise<SshConnection>>();
  private readonly bastions = new Map<string, Promise<Client>>();
  private readonly settings: ConnectionSettings;
  private readonly policy: HostKeyPolicy;
  private readonly logger: Logger;

  constructor(private readonly opts: SshTransportOptions = {}) {
    this.logger = opts.logger ?? pino({ level: 'silent' });
    this.settings = {
      defaultTimeoutMs: opts.defaultTimeoutMs ?? 60_000,
      maxChannels: opts.maxChannelsPerHost ?? 8,
      maxOutputBytes: opts.maxOutputBytes ?? 16 * MiB,
      logger: this.logger,
    };
    this.policy = { acceptNewHostKeys: opts.acceptNewHostKeys ?? false, logger: this.logger };
  }

  connect(host: Host): Promise<Connection> {
    const key = `${host.cluster}/${host.name}`;
    const existing = this.connections.get(key);
    if (existing) return existing;
    const pending = this.openHost(host).then((client) => {
      const connection = new SshConnection(host, client, this.settings);
      client.on('close', () => {
        if (this.connections.get(key) === pending) this.connections.delete(key);
      });
      return connection;
    });
    pending.catch(() => {
      if (this.connections.get(key) === pending) this.connections.delete(key);
    });
    this.connections.set(key, pending);
    return pending;
  }

  async closeAll(): Promise<void> {
    const connections = [...this.connections.values()];
    const bastions = [...this.bastions.values()];
    this.connections.clear();
    this.bastions.clear();
    await Promise.all(
      connections.map((p) =>
        p.then(
          (c) => c.close(),
          () => undefined,
        ),
      ),
    );
    await Promise.all(
      bastions.map((p) =>
        p.then(
          (c) => endClient(c),
          () => undefined,
        ),
      ),
    );
  }

  private context(host: Host): ErrorContext {
    return { cluster: host.cluster, host: host.name };
  }

  private openHost(host: Host): Promise<Client> {
    const context = this.context(host);
    const { bastion } = host.ssh;
    return this.withRetries(host.ssh, context, `${host.name} (${where(host.ssh)})`, async () => {
      const sock = bastion
        ? await this.forward(await this.bastion(bastion, context), bastion, host.ssh, context)
        : undefined;
      return this.handshake(host.ssh, context, sock);
    });
  }

  private bastion(target: SshTarget, context: ErrorContext): Promise<Client> {
    const key = where(target);
    const existing = this.bastions.get(key);
    if (existing) return existing;
    const pending = this.withRetries(target, context, `bastion ${key}`, () => this.handshake(target, context));
    this.bastions.set(key, pending);
    const forget = () => {
      if (this.bastions.get(key) === pending) this.bastions.delete(key);
    };
    pending.then((client) => client.on('close', forget), forget);
    return pending;
  }

  private forward(
    bastion: Client,
    bastionTarget: SshTarget,
    target: SshTarget,
    context: ErrorContext,
  ): Promise<Duplex> {
    const bastionName = where(bastionTarget);
    return new Promise<Duplex>((resolve, reject) => {
      try {
        bastion.forwardOut('127.0.0.1', 0, target.address, target.port, (err, stream) =>
          // The message keeps ssh2's text (e.g. "Channel open failure: Connection refused"), which
          // decides whether a retry may help.
          err
            ? reject(new Error(`the bastion ${bastionName} could not open a tunnel: ${err.message}`))
            : resolve(stream),
        );
      } catch (err) {
        reject(new UnreachableError(`the bastion connection is gone: ${(err as Error).message}`, context));
      }
    });
  }

  private async withRetries<T>(
    target: SshTarget,
    context: ErrorContext,
    label: string,
    attempt: () => Promise<T>,
  ): Promise<T> {
    const attempts = Math.max(1, this.opts.connectAttempts ?? 3);
    const baseDelayMs = this.opts.retryBaseDelayMs ?? 500;
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        if (n >= attempts || !isTransientConnectError(err))
          throw toUnreachable(err, label, context, target.connectTimeoutMs);
        const delayMs = baseDelayMs * 2 ** (n - 1);
        this.logger.warn(
          { host: context.host, target: where(target), attempt: n, delayMs, reason: (err as Error).message },
          'connect failed; retrying',
        );
        await sleep(delayMs);
      }
    }
  }

  /** One connection attempt: resolves with a ready Client, rejects with the ssh2 error or an
   *  UnreachableError carrying the host-key refusal. */
  private async handshake(target: SshTarget, context: ErrorContext, sock?: Duplex): Promise<Client> {
    const auth = authConfig(target, context);
    const serverHostKey = await preferredHostKeyAlgorithms(target);
    let refusal: string | undefined;
    const config: ConnectConfig = {
      host: target.address,
      port: target.port,
      ...auth,
      ...(sock ? { sock } : {}),
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: this.opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: this.opts.keepaliveCountMax ?? 4,
      ...(serverHostKey ? { algorithms: { serverHostKey } } : {}),
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        checkPresentedHostKey(target, key, this.policy).then(
          (reason) => {
            refusal = reason;
            verify(reason === undefined);
          },
          (err: Error) => {
            refusal = `cannot check the host key of ${target.address}:${target.port}: ${err.message}`;
            verify(false);
          },
        );
      },
    };
    const client = new Client();
    return new Promise<Client>((resolve, reject) => {
      const onError = (err: Error) => {
        client.removeListener('ready', onReady);
        client.on('error', () => {}); // late errors of a failed attempt carry nothing new
        client.end();
        reject(refusal ? new UnreachableError(refusal, context, undefined, { cause: err }) : err);
      };
      const onReady = () => {
        client.removeListener('error', onError);
        trackClose(client);
        // Later errors (keepalive timeout, reset) surface as the connection's `lost` state.
        client.on('error', (err) => this.logger.warn({ host: context.host, reason: err.message }, 'connection error'));
        this.logger.debug({ host: context.host, target: where(target) }, 'connected');
        resolve(client);
      };
      client.once('ready', onReady);
      client.once('error', onError);
      client.connect(config);
    });
  }
}

export function createSshTransport(opts: SshTransportOptions = {}): SshTransport {
  return new SshTransport(opts);
}
