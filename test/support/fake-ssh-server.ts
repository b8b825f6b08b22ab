// An SSH server made with ssh2's own `Server`, for what a real OpenSSH server will not do on
// demand: no exit status, refused channels, a connection dropped mid-command, a session cap.
// It accepts the password in `password` for any user; each exec request goes to `onExec`.
import type { AddressInfo, Socket } from 'node:net';
import { Server, utils, type Connection, type ServerChannel } from 'ssh2';

export interface FakeExec {
  command: string;
  channel: ServerChannel;
  /** The server side of the SSH connection (to drop it). */
  connection: Connection;
}

export interface FakeServerOptions {
  password: string;
  onExec(exec: FakeExec): void;
  /** Session channels open at once per server before it refuses more, as OpenSSH's MaxSessions
   *  (10) does. Default 10. */
  maxSessions?: number;
}

export interface FakeServer {
  port: number;
  /** `keytype base64` of the server's host key. */
  hostKeyPub: string;
  /** Session channels open now, and the most open at once since the last reset. */
  sessions(): { open: number; maxOpen: number };
  resetSessionStats(): void;
  /** Destroys the TCP connection under `connection`, without any SSH goodbye. */
  drop(connection: Connection): void;
  stop(): Promise<void>;
}

export async function startFakeSshServer(opts: FakeServerOptions): Promise<FakeServer> {
  const keys = utils.generateKeyPairSync('ed25519');
  const connections = new Set<Connection>();
  const maxSessions = opts.maxSessions ?? 10;
  let open = 0;
  let maxOpen = 0;
  const server = new Server({ hostKeys: [keys.private] }, (connection) => {
    connections.add(connection);
    connection.on('close', () => connections.delete(connection));
    connection.on('error', () => {});
    connection.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.password === opts.password) ctx.accept();
      else ctx.reject(['password']);
    });
    connection.on('ready', () => {
      connection.on('session', (accept, reject) => {
        if (open >= maxSessions) return reject();
        const session = accept();
        open += 1;
        maxOpen = Math.max(maxOpen, open);
        // A session counts until the client's CHANNEL_CLOSE, as in OpenSSH.
        session.once('close', () => (open -= 1));
        session.on('exec', (acceptExec, _reject, info) => {
          opts.onExec({ command: info.command, channel: acceptExec(), connection });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hostKeyPub: keys.public.split(' ').slice(0, 2).join(' '),
    sessions: () => ({ open, maxOpen }),
    resetSessionStats: () => {
      maxOpen = open;
    },
    drop: (connection) => (connection as unknown as { _sock: Socket })._sock.destroy(),
    stop: async () => {
      for (const c of connections) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
