// `inventory import`: reads the TKEStack global cluster's Cluster and Machine objects with kubectl
// (on a global master over SSH with --from-host, where /root/.kube/config is TKEStack's token
// kubeconfig; or here with --kubeconfig) and writes an inventory of the renewable clusters.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { StepError, UsageError } from '../errors.js';
import { isValidAddress } from '../inventory/schema.js';
import { importInventory, type ImportAuth } from '../inventory/tkestack-import.js';
import { readTkeFleet, type KubectlRunner } from '../inventory/tkestack-read.js';
import type { Host } from '../inventory/types.js';
import { ROOT_KUBECONFIG } from '../kube/paths.js';
import type { CliDeps, CliIo } from './io.js';

export interface ImportFlags {
  fromHost?: string;
  kubeconfig?: string;
  identityFile?: string;
  agent?: boolean;
  knownHosts?: string[];
  acceptNewHostKeys?: boolean;
  become?: boolean;
  includeWorkers?: boolean;
  output?: string;
  force?: boolean;
}

const KUBECTL_TIMEOUT_MS = 60_000;
const KUBECTL_MAX_OUTPUT = 64 * 1024 * 1024;

/** `[user@]address[:port]` of --from-host. */
export function parseFromHost(text: string): { user: string; address: string; port: number } {
  const m = /^(?:([a-z_][a-z0-9_-]{0,31})@)?(\[[0-9a-fA-F:.]+\]|[^@:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  const address = m?.[2]?.replace(/^\[|\]$/g, '') ?? '';
  const port = Number(m?.[3] ?? 22);
  if (!m || !isValidAddress(address) || port < 1 || port > 65535)
    throw new UsageError(`--from-host ${JSON.stringify(text)} is not [user@]address[:port]`, 'e.g. root@10.0.0.1');
  return { user: m[1] ?? 'root', address, port };
}

const absolute = (p: string): string =>
  p === '~' || p.startsWith('~/') ? path.join(homedir(), p.slice(1)) : path.resolve(p);

function localKubectl(kubeconfig: string | undefined): KubectlRunner {
  return (args) =>
    new Promise((resolve) => {
      const argv = kubeconfig ? ['--kubeconfig', kubeconfig, ...args] : [...args];
      execFile(
        'kubectl',
        argv,
        { timeout: KUBECTL_TIMEOUT_MS, maxBuffer: KUBECTL_MAX_OUTPUT },
        (err, stdout, stderr) => {
          const code = err && typeof err.code === 'number' ? err.code : err ? null : 0;
          const text = err && typeof err.code === 'string' ? `${stderr}\n${err.message}` : stderr;
          resolve({ stdout, stderr: text, exitCode: code });
        },
      );
    });
}

async function withRemoteKubectl<T>(
  flags: ImportFlags,
  io: CliIo,
  deps: CliDeps,
  use: (kubectl: KubectlRunner, source: string) => Promise<T>,
): Promise<T> {
  const target = parseFromHost(flags.fromHost ?? '');
  const host: Host = {
    name: 'tke-global',
    cluster: 'global',
    role: 'master',
    ssh: {
      ...target,
      ...(flags.identityFile ? { identityFile: absolute(flags.identityFile) } : {}),
      ...(flags.agent && io.env.SSH_AUTH_SOCK ? { agentSocket: io.env.SSH_AUTH_SOCK } : {}),
      knownHostsFiles: (flags.knownHosts?.length ? flags.knownHosts : ['~/.ssh/known_hosts']).map(absolute),
      connectTimeoutMs: 10_000,
    },
    become: { enabled: flags.become === true },
    vars: {},
  };
  const kubeconfig = flags.kubeconfig ?? ROOT_KUBECONFIG;
  const logger = deps.createLogger({});
  const transport = await deps.createTransport({ acceptNewHostKeys: flags.acceptNewHostKeys === true, logger });
  try {
    const conn = await transport.connect(host);
    const kubectl: KubectlRunner = async (args) =>
      conn.exec(['kubectl', '--kubeconfig', kubeconfig, ...args], {
        become: true,
        timeoutMs: KUBECTL_TIMEOUT_MS,
        step: 'inventory import',
      });
    return await use(kubectl, `${target.user}@${target.address}:${kubeconfig}`);
  } finally {
    await transport.closeAll();
  }
}

export async function inventoryImport(flags: ImportFlags, io: CliIo, deps: CliDeps): Promise<number> {
  if (flags.identityFile && !existsSync(absolute(flags.identityFile)))
    throw new UsageError(`--identity-file ${flags.identityFile} does not exist`, 'give the path of your private key');
  if (flags.agent && !io.env.SSH_AUTH_SOCK)
    throw new UsageError('--agent needs SSH_AUTH_SOCK to be set', 'start an ssh-agent, or give --identity-file');
  if (flags.output && existsSync(flags.output) && !flags.force)
    throw new UsageError(`${flags.output} exists`, 'choose another --output, or pass --force to replace it');
  const auth: ImportAuth = {
    ...(flags.identityFile ? { identityFile: absolute(flags.identityFile) } : {}),
    ...(flags.agent ? { agent: true } : {}),
    ...(flags.knownHosts?.length ? { knownHostsFiles: flags.knownHosts.map(absolute) } : {}),
  };
  const read = (kubectl: KubectlRunner, source: string) =>
    readTkeFleet(kubectl, source).then((fleet) => ({ fleet, source }));
  const { fleet, source } = flags.fromHost
    ? await withRemoteKubectl(flags, io, deps, read)
    : await read(localKubectl(flags.kubeconfig), `this machine:${flags.kubeconfig ?? "kubectl's default kubeconfig"}`);

  const result = importInventory(fleet.clusters, fleet.machines, {
    auth,
    includeWorkers: flags.includeWorkers === true,
    source,
    now: new Date(),
  });
  const skipped = result.skipped.map((s) => `${s.name} (${s.type || 'no type'}): ${s.reason}`);
  if (!result.text)
    throw new StepError(
      `the global cluster lists no cluster this tool can renew${skipped.length ? `: ${skipped.join('; ')}` : ''}`,
      { step: 'inventory import' },
    );
  if (flags.output) await writeFile(flags.output, result.text, { mode: 0o644 });
  else io.stdout.write(result.text);
  const clusters = result.renewable.map(
    (c) =>
      `${c.name} (${c.masters} master${c.masters === 1 ? '' : 's'}${c.workers ? `, ${c.workers} worker${c.workers === 1 ? '' : 's'}` : ''})`,
  );
  io.stderr.write(
    `${flags.output ? `wrote ${flags.output}` : 'inventory on stdout'}: ${clusters.join(', ')}${skipped.length ? `; not renewable: ${skipped.join('; ')}` : ''}\n`,
  );
  return 0;
}
