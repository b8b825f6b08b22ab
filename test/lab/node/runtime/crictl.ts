// The crictl shim (cri-tools ~1.21 against containerd) over the container store.
import fs from 'node:fs';
import { all, has, isFlagError, last, matchesLabels, parseFlags, type FlagSpec, type ParsedFlags } from './flags.js';
import { ago, rfc3339Nano, tabulate, unixNanos } from './format.js';
import { renderTemplate, type TemplateData } from './gotemplate.js';
import { dropSessionIfFaulted } from '../common/session-drop.js';
import { readNodeConfig } from '../common/node-config.js';
import { execInContainer } from './exec.js';
import { removeContainer, removeSandbox, stopContainer, stopSandbox } from './ops.js';
import {
  containerLogFile,
  containers,
  isRunning,
  newestFirst,
  resolveId,
  sandboxes,
  type ContainerRecord,
  type SandboxRecord,
} from './store.js';
import { imageId } from './views.js';

const out = (text: string): void => void process.stdout.write(text);

class Fatal extends Error {}

function fatal(message: string): never {
  throw new Fatal(message);
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
const trunc = (id: string, noTrunc: boolean): string => (noTrunc ? id : id.slice(0, 13));
const containerState = (c: ContainerRecord): string => (isRunning(c) ? 'CONTAINER_RUNNING' : 'CONTAINER_EXITED');
const sandboxState = (s: SandboxRecord): string => (s.state === 'ready' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY');
const notFound = (kind: 'container' | 'sandbox', ref: string): string =>
  `rpc error: code = NotFound desc = an error occurred when try to find ${kind} "${ref}": not found`;

function lookup<T extends { id: string }>(records: T[], ref: string, kind: 'container' | 'sandbox'): T {
  const hit = resolveId(records, ref);
  if (hit === 'ambiguous')
    fatal(
      `rpc error: code = NotFound desc = an error occurred when try to find ${kind} "${ref}": ambiguous ID "${ref}"`,
    );
  if (!hit) fatal(notFound(kind, ref));
  return hit;
}

function requireIds(p: ParsedFlags): string[] {
  if (p.positional.length === 0) fatal('ID cannot be empty');
  return p.positional;
}

function printOutput(p: ParsedFlags, doc: unknown): void {
  const format = last(p, 'output') ?? 'json';
  if (format === 'go-template') out(`${renderTemplate(last(p, 'template') ?? '', doc as TemplateData)}\n`);
  else if (format === 'json' || format === 'yaml') out(json(doc));
  else fatal(`don't support ${format}`);
}

interface Listing<T> {
  keep: (r: T) => boolean;
  header: string[];
  row: (r: T, noTrunc: boolean) => string[];
  jsonKey: string;
  toJson: (r: T) => unknown;
}

/** What `ps` and `pods` share: --id, --label, --latest, -q, and table or JSON output. */
function printListing<T extends { id: string; createdAt: string; labels: Record<string, string> }>(
  p: ParsedFlags,
  records: T[],
  listing: Listing<T>,
): void {
  const id = last(p, 'id');
  const list = newestFirst(records).filter(
    (r) => listing.keep(r) && (!id || r.id.startsWith(id)) && matchesLabels(r.labels, all(p, 'label')),
  );
  const shown = has(p, 'latest') ? list.slice(0, 1) : list;
  if (has(p, 'quiet')) return out(shown.map((r) => `${r.id}\n`).join(''));
  if ((last(p, 'output') ?? 'table') === 'table')
    return out(tabulate([listing.header, ...shown.map((r) => listing.row(r, has(p, 'no-trunc')))]));
  printOutput(p, { [listing.jsonKey]: shown.map(listing.toJson) });
}

function ps(p: ParsedFlags): void {
  const state = last(p, 'state')?.toLowerCase();
  const name = last(p, 'name');
  const pod = last(p, 'pod');
  printListing(p, containers.list(), {
    keep: (c) => {
      const running = isRunning(c);
      if (state ? !`container_${running ? 'running' : 'exited'}`.endsWith(state) : !has(p, 'all') && !running)
        return false;
      return (!name || new RegExp(name).test(c.name)) && (!pod || c.sandboxId.startsWith(pod));
    },
    header: ['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID'],
    row: (c, noTrunc) => [
      trunc(c.id, noTrunc),
      trunc(imageId(c.image).slice(7), noTrunc),
      ago(c.createdAt),
      isRunning(c) ? 'Running' : 'Exited',
      c.name,
      String(c.attempt),
      trunc(c.sandboxId, noTrunc),
    ],
    jsonKey: 'containers',
    toJson: (c) => ({
      id: c.id,
      podSandboxId: c.sandboxId,
      metadata: { name: c.name, attempt: c.attempt },
      image: { image: imageId(c.image) },
      imageRef: imageId(c.image),
      state: containerState(c),
      createdAt: unixNanos(c.createdAt),
      labels: c.labels,
      annotations: {},
    }),
  });
}

function inspectDoc(c: ContainerRecord): unknown {
  const running = isRunning(c);
  return {
    status: {
      id: c.id,
      metadata: { attempt: c.attempt, name: c.name },
      state: containerState(c),
      createdAt: rfc3339Nano(c.createdAt),
      startedAt: rfc3339Nano(c.startedAt),
      finishedAt: running ? '1970-01-01T00:00:00Z' : rfc3339Nano(c.finishedAt ?? c.startedAt),
      exitCode: running ? 0 : (c.exitCode ?? 137),
      image: { image: c.image },
      imageRef: imageId(c.image),
      reason: running ? '' : 'Error',
      message: '',
      labels: c.labels,
      annotations: {},
      mounts: [],
      logPath: containerLogFile(c.id),
    },
    info: {
      sandboxID: c.sandboxId,
      pid: running ? c.pid : 0,
      removing: false,
      snapshotKey: c.id,
      snapshotter: 'overlayfs',
      runtimeType: 'io.containerd.runc.v2',
    },
  };
}

function pods(p: ParsedFlags): void {
  const name = last(p, 'name');
  const namespace = last(p, 'namespace');
  const state = last(p, 'state')?.toLowerCase();
  printListing(p, sandboxes.list(), {
    keep: (s) =>
      (!name || new RegExp(name).test(s.podName)) &&
      (!namespace || new RegExp(namespace).test(s.namespace)) &&
      (!state || sandboxState(s).toLowerCase().endsWith(`_${state}`)),
    header: ['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT', 'RUNTIME'],
    row: (s, noTrunc) => [
      trunc(s.id, noTrunc),
      ago(s.createdAt),
      s.state === 'ready' ? 'Ready' : 'NotReady',
      s.podName,
      s.namespace,
      String(s.attempt),
      '(default)',
    ],
    jsonKey: 'items',
    toJson: (s) => ({
      id: s.id,
      metadata: { name: s.podName, uid: s.podUid, namespace: s.namespace, attempt: s.attempt },
      state: sandboxState(s),
      createdAt: unixNanos(s.createdAt),
      labels: s.labels,
      annotations: {},
      runtimeHandler: '',
    }),
  });
}

/** Acts on each ID argument (or every record with --all) and prints `<prefix><ref>` for each. */
async function eachTarget<T extends { id: string }>(
  p: ParsedFlags,
  records: T[],
  kind: 'container' | 'sandbox',
  act: (r: T) => Promise<string>,
): Promise<void> {
  const targets: [string, T][] = has(p, 'all')
    ? records.map((r): [string, T] => [r.id, r])
    : requireIds(p).map((ref): [string, T] => [ref, lookup(records, ref, kind)]);
  for (const [ref, record] of targets) out(`${await act(record)}${ref}\n`);
}

const outputFlags: FlagSpec[] = [
  { long: 'output', short: 'o', value: true },
  { long: 'template', value: true },
];

interface Command {
  flags: FlagSpec[];
  run: (p: ParsedFlags) => Promise<void> | void;
}

const commands: Record<string, Command> = {
  // Without -s crictl streams the command's output; its own exit code is 1 when the command fails.
  exec: {
    flags: [
      { long: 'sync', short: 's' },
      { long: 'interactive', short: 'i' },
      { long: 'tty', short: 't' },
      { long: 'timeout', value: true },
    ],
    run: (p) => {
      const [ref = '', ...argv] = p.positional;
      if (argv.length === 0) fatal('command is required');
      const c = lookup(containers.list(), ref, 'container');
      if (!isRunning(c))
        fatal(
          `execing command in container: rpc error: code = Unknown desc = container ${c.id} is not in running state`,
        );
      const res = execInContainer(c, argv, {});
      if (res.kind === 'not-found')
        fatal(
          `execing command in container: rpc error: code = Unknown desc = failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: container_linux.go:370: starting container process caused: exec: "${res.program}": executable file not found in $PATH: unknown`,
        );
      if (res.code !== 0) fatal(`execing command in container: command terminated with exit code ${res.code}`);
    },
  },
  ps: {
    flags: [
      { long: 'all', short: 'a' },
      { long: 'quiet', short: 'q' },
      { long: 'label', value: true },
      { long: 'name', value: true },
      { long: 'state', value: true },
      { long: 'pod', short: 'p', value: true },
      { long: 'id', value: true },
      { long: 'no-trunc' },
      { long: 'latest', short: 'l' },
      { long: 'verbose', short: 'v' },
      ...outputFlags,
    ],
    run: ps,
  },
  pods: {
    flags: [
      { long: 'quiet', short: 'q' },
      { long: 'label', value: true },
      { long: 'name', value: true },
      { long: 'namespace', value: true },
      { long: 'state', short: 's', value: true },
      { long: 'id', value: true },
      { long: 'no-trunc' },
      { long: 'latest', short: 'l' },
      { long: 'verbose', short: 'v' },
      ...outputFlags,
    ],
    run: pods,
  },
  inspect: {
    flags: outputFlags,
    run: (p) => {
      const list = containers.list();
      for (const ref of requireIds(p)) printOutput(p, inspectDoc(lookup(list, ref, 'container')));
    },
  },
  inspectp: {
    flags: outputFlags,
    run: (p) => {
      const list = sandboxes.list();
      for (const ref of requireIds(p)) {
        const s = lookup(list, ref, 'sandbox');
        printOutput(p, {
          status: {
            id: s.id,
            metadata: { name: s.podName, uid: s.podUid, namespace: s.namespace, attempt: s.attempt },
            state: sandboxState(s),
            createdAt: rfc3339Nano(s.createdAt),
            labels: s.labels,
            annotations: {},
          },
        });
      }
    },
  },
  rm: {
    flags: [
      { long: 'force', short: 'f' },
      { long: 'all', short: 'a' },
    ],
    run: (p) =>
      eachTarget(p, containers.list(), 'container', async (c) => {
        if (isRunning(c) && !has(p, 'force'))
          fatal(
            `unable to remove container(s): rpc error: code = Unknown desc = failed to remove container "${c.id}": container is in CONTAINER_RUNNING state, use stop first`,
          );
        dropSessionIfFaulted('restart'); // the lab's ssh-drop-during restart: the removal still happens
        await removeContainer(c);
        return '';
      }),
  },
  stop: {
    flags: [{ long: 'timeout', short: 't', value: true }],
    run: (p) =>
      eachTarget(p, containers.list(), 'container', (c) =>
        stopContainer(c, Number(last(p, 'timeout') ?? 0) * 1000).then(() => ''),
      ),
  },
  stopp: {
    flags: [],
    run: (p) => eachTarget(p, sandboxes.list(), 'sandbox', (s) => stopSandbox(s, 0).then(() => 'Stopped sandbox ')),
  },
  rmp: {
    flags: [
      { long: 'force', short: 'f' },
      { long: 'all', short: 'a' },
    ],
    run: (p) =>
      eachTarget(p, sandboxes.list(), 'sandbox', async (s) => {
        if (s.state === 'ready' && !has(p, 'force'))
          fatal(
            `removing the pod sandbox "${s.id}": rpc error: code = Unknown desc = sandbox container "${s.id}" is not fully stopped`,
          );
        await removeSandbox(s);
        return 'Removed sandbox ';
      }),
  },
  logs: {
    flags: [
      { long: 'tail', value: true },
      { long: 'follow', short: 'f' },
      { long: 'timestamps', short: 't' },
    ],
    run: (p) => {
      const c = lookup(containers.list(), requireIds(p)[0] ?? '', 'container');
      let text = '';
      try {
        text = fs.readFileSync(containerLogFile(c.id), 'utf8');
      } catch {
        // nothing logged yet
      }
      const tail = last(p, 'tail');
      out(tail && Number(tail) >= 0 ? `${text.split('\n').slice(0, -1).slice(-Number(tail)).join('\n')}\n` : text);
    },
  },
  info: {
    flags: outputFlags,
    run: () =>
      out(
        json({
          status: {
            conditions: [
              { type: 'RuntimeReady', status: true, reason: '', message: '' },
              { type: 'NetworkReady', status: true, reason: '', message: '' },
            ],
          },
          config: {
            containerd: { snapshotter: 'overlayfs', defaultRuntimeName: 'runc' },
            sandboxImage: 'k8s.gcr.io/pause:3.2',
            containerdRootDir: '/var/lib/containerd',
          },
          golang: 'go1.13.15',
        }),
      ),
  },
  version: {
    flags: [],
    // On a docker node (crictlOnDocker) crictl talks to dockershim, which names docker.
    run: () =>
      out(
        readNodeConfig().runtime === 'docker'
          ? 'Version:  0.1.0\nRuntimeName:  docker\nRuntimeVersion:  19.03.15\nRuntimeApiVersion:  1.40.0\n'
          : 'Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  v1.4.4\nRuntimeApiVersion:  v1alpha2\n',
      ),
  },
};

const globalFlags: FlagSpec[] = [
  { long: 'runtime-endpoint', short: 'r', value: true },
  { long: 'image-endpoint', short: 'i', value: true },
  { long: 'timeout', short: 't', value: true },
  { long: 'debug', short: 'D' },
  { long: 'config', short: 'c', value: true },
];

function parseOrFatal(argv: string[], specs: FlagSpec[]): ParsedFlags {
  const parsed = parseFlags(argv, [...specs, { long: 'help', short: 'h' }], 'goflag');
  if (!isFlagError(parsed)) return parsed;
  const name = parsed.letter ?? parsed.flag.replace(/^--?/, '').split('=')[0];
  const message =
    parsed.kind === 'unknown' ? `flag provided but not defined: -${name}` : `flag needs an argument: -${name}`;
  process.stderr.write(`Incorrect Usage: ${message}\n\n`);
  return fatal(message);
}

async function main(argv: string[]): Promise<void> {
  const global = parseOrFatal(argv, globalFlags);
  const [name, ...rest] = global.positional;
  if (!name) {
    out(
      'NAME:\n   crictl - client for CRI\n\nUSAGE:\n   crictl [global options] command [command options] [arguments...]\n\nCOMMANDS:\n' +
        Object.keys(commands)
          .map((c) => `   ${c}\n`)
          .join(''),
    );
    return;
  }
  const cmd = commands[name];
  if (!cmd) fatal(`No help topic for '${name}'`);
  const parsed = parseOrFatal(rest, cmd.flags);
  if (has(parsed, 'help')) {
    out(`NAME:\n   crictl ${name}\n`);
    return;
  }
  await cmd.run(parsed);
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  const message = e instanceof Fatal ? e.message : (e as Error).message;
  process.stderr.write(
    `time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=fatal msg=${JSON.stringify(message)}\n`,
  );
  process.exitCode = 1;
}
