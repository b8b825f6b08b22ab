// The transport's public surface: the interface (types.ts), the SSH implementation and the one
// quoting function.
export type { Connection, ExecOptions, ExecResult, Transport, WriteFileOptions } from './types.js';
export { createSshTransport, SshTransport, type SshTransportOptions } from './ssh-transport.js';
export { quoteArg, shellCommand } from './quote.js';
export { fingerprintSha256, knownHostsName } from './known-hosts.js';
