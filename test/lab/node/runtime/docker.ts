// The docker shim (Docker 19.03 CLI surface the tool and operators use) over the container store.
import fs from 'node:fs';
import { all, has, isFlagError, last, matchesLabels, parseFlags, type FlagSpec, type ParsedFlags } from './flags.js';
import { ago, ellipsis, humanDuration, rfc3339Nano, tabulate } from './format.js';
import { renderTemplate, TemplateError, type TemplateData } from './gotemplate.js';
import { dropSessionIfFaulted } from '../common/session-drop.js';
import { killContainer, removeContainer, removeSandbox, restartContainer, stopContainer, stopSandbox } from './ops.js';
import { execInContainer } from './exec.js';
import { containerLogFile, resolveId } from './store.js';
import { allEntries, imageId, type Entry } from './views.js';

const serverVersion = '19.03.15';
const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(text);

class DockerExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Command {
  usage: string;
  summary: string;
  minArgs: number;
  flags: FlagSpec[];
  /** Flags end at the first argument (`docker exec`: what follows the container is its command's). */
  flagsBeforeArgs?: boolean;
  run: (p: ParsedFlags) => Promise<number> | number;
}

function flagsOrFail(cmd: string, argv: string[], specs: FlagSpec[], flagsBeforeArgs = false): ParsedFlags {
  const parsed = parseFlags(argv, [...specs, { long: 'help' }], flagsBeforeArgs ? 'goflag' : 'pflag');
  if (!isFlagError(parsed)) return parsed;
  const what = parsed.letter ? `'${parsed.letter}' in ${parsed.flag}` : parsed.flag;
  const head =
    parsed.kind === 'unknown' ? (parsed.letter ? 'unknown shorthand flag' : 'unknown flag') : 'flag needs an argument';
  throw new DockerExit(125, `${head}: ${what}\nSee 'docker ${cmd} --help'.\n`);
}

/** Resolves refs to entries; unknown ones are reported (`Error: No such container: X`) and skipped. */
function resolve(
  refs: string[],
  withSandboxes: boolean,
  missing: (ref: string) => string,
): { found: [string, Entry][]; failed: boolean } {
  const entries = allEntries(withSandboxes);
  const found: [string, Entry][] = [];
  let failed = false;
  for (const ref of refs) {
    const byName = entries.find((e) => e.name === ref || e.name === ref.replace(/^\//, ''));
    const hit = byName ?? resolveId(entries, ref);
    if (hit === 'ambiguous') {
      err(`Error response from daemon: multiple IDs found with provided prefix: ${ref}\n`);
      failed = true;
    } else if (!hit) {
      err(missing(ref));
      failed = true;
    } else found.push([ref, hit]);
  }
  return { found, failed };
}

const noSuchContainer = (ref: string): string => `Error: No such container: ${ref}\n`;
const daemonNoSuchContainer = (ref: string): string => `Error response from daemon: No such container: ${ref}\n`;

function psContext(e: Entry, noTrunc: boolean): TemplateData {
  const command = `"${noTrunc ? e.argv.join(' ') : ellipsis(e.argv.join(' '), 20)}"`;
  const status = e.running
    ? `Up ${humanDuration(Date.now() - Date.parse(e.startedAt))}`
    : `Exited (${e.exitCode}) ${ago(e.finishedAt)}`;
  return {
    ID: noTrunc ? e.id : e.id.slice(0, 12),
    Image: e.image,
    Command: command,
    CreatedAt: new Date(e.createdAt)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' +0000 UTC'),
    RunningFor: ago(e.createdAt),
    Ports: '',
    Status: status,
    State: e.running ? 'running' : 'exited',
    Size: '0B',
    Names: e.name,
    Labels: Object.entries(e.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Mounts: '',
    Networks: 'host',
    Label: (key: unknown) => e.labels[String(key)] ?? '',
  };
}

function filterEntries(entries: Entry[], filters: string[]): Entry[] {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    if (!['label', 'name', 'status', 'id'].includes(key))
      throw new DockerExit(1, `Error response from daemon: Invalid filter '${key}'\n`);
    if (eq < 0) throw new DockerExit(1, `Error response from daemon: Bad format of filter (expected name=value)\n`);
    byKey.set(key, [...(byKey.get(key) ?? []), f.slice(eq + 1)]);
  }
  const anyOf = (key: string, test: (v: string) => boolean): boolean =>
    !byKey.has(key) || (byKey.get(key) ?? []).some(test);
  return entries.filter(
    (e) =>
      matchesLabels(e.labels, byKey.get('label') ?? []) &&
      anyOf('name', (v) => new RegExp(v).test(e.name)) &&
      anyOf('status', (v) => v === (e.running ? 'running' : 'exited')) &&
      anyOf('id', (v) => e.id.startsWith(v)),
  );
}

function ps(p: ParsedFlags): number {
  const filters = all(p, 'filter');
  const showAll = has(p, 'all') || filters.some((f) => f.startsWith('status='));
  let entries = filterEntries(allEntries(true), filters).filter((e) => showAll || e.running);
  const lastN = has(p, 'latest') ? 1 : Number(last(p, 'last') ?? -1);
  if (lastN >= 0) entries = entries.slice(0, lastN);
  const noTrunc = has(p, 'no-trunc');
  if (has(p, 'quiet')) {
    out(entries.map((e) => `${noTrunc ? e.id : e.id.slice(0, 12)}\n`).join(''));
    return 0;
  }
  let format = last(p, 'format') ?? 'table';
  if (format === 'table' || format === '')
    format = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedAt}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
  const structName = '*formatter.containerContext';
  if (!format.startsWith('table')) {
    out(entries.map((e) => `${renderTemplate(format, psContext(e, noTrunc), { structName })}\n`).join(''));
    return 0;
  }
  const template = format.replace(/^table\s*/, '').replace(/\\t/g, '\t');
  const headers: TemplateData = {
    ID: 'CONTAINER ID',
    Image: 'IMAGE',
    Command: 'COMMAND',
    CreatedAt: 'CREATED',
    RunningFor: 'CREATED',
    Ports: 'PORTS',
    Status: 'STATUS',
    State: 'STATE',
    Size: 'SIZE',
    Names: 'NAMES',
    Labels: 'LABELS',
    Mounts: 'MOUNTS',
    Networks: 'NETWORKS',
    Label: () => 'LABEL',
  };
  const rows = [headers, ...entries.map((e) => ({ ...psContext(e, noTrunc), CreatedAt: ago(e.createdAt) }))];
  out(tabulate(rows.map((data) => renderTemplate(template, data, { structName }).split('\t'))));
  return 0;
}

function inspectJson(e: Entry): TemplateData {
  return {
    Id: e.id,
    Created: rfc3339Nano(e.createdAt),
    Path: e.argv[0],
    Args: e.argv.slice(1),
    State: {
      Status: e.running ? 'running' : 'exited',
      Running: e.running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: e.pid,
      ExitCode: e.exitCode,
      Error: '',
      StartedAt: rfc3339Nano(e.startedAt),
      FinishedAt: rfc3339Nano(e.finishedAt),
    },
    Image: imageId(e.image),
    LogPath: e.kind === 'container' ? containerLogFile(e.id) : '',
    Name: `/${e.name}`,
    RestartCount: 0,
    Driver: 'overlay2',
    HostConfig: { NetworkMode: 'host', PidMode: '', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } },
    Config: { Hostname: '', Env: [], Cmd: e.argv.slice(1), Image: e.image, Entrypoint: [e.argv[0]], Labels: e.labels },
  };
}

function inspect(p: ParsedFlags): number {
  const { found, failed } = resolve(p.positional, true, (ref) => `Error: No such object: ${ref}\n`);
  const format = last(p, 'format');
  const docs = found.map(([, e]) => inspectJson(e));
  if (format) out(docs.map((d) => `${renderTemplate(format, d)}\n`).join(''));
  else out(`${JSON.stringify(docs, null, 4)}\n`);
  return failed ? 1 : 0;
}

async function eachRef(
  refs: string[],
  missing: (ref: string) => string,
  act: (e: Entry) => Promise<string | null>,
): Promise<number> {
  const { found, failed } = resolve(refs, true, missing);
  let code = failed ? 1 : 0;
  for (const [ref, e] of found) {
    const problem = await act(e);
    if (problem) {
      err(problem);
      code = 1;
    } else out(`${ref}\n`);
  }
  return code;
}

/** `--format TEMPLATE` output when given, else the plain text. */
function formatted(p: ParsedFlags, data: TemplateData, plain: () => string): number {
  const format = last(p, 'format');
  out(format ? `${renderTemplate(format, data)}\n` : plain());
  return 0;
}

/** A command whose only flag is --format (version, info). */
function formattedCommand(name: string, summary: string, build: () => { data: TemplateData; plain: string }): Command {
  return {
    usage: `docker ${name} [OPTIONS]`,
    summary,
    minArgs: 0,
    flags: [{ long: 'format', short: 'f', value: true }],
    run: (p) => {
      const { data, plain } = build();
      return formatted(p, data, () => plain);
    },
  };
}

const graceMs = (p: ParsedFlags): number => Number(last(p, 'time') ?? 10) * 1000;

/** A command acting on each CONTAINER argument; act returns an error line or null (the ref is echoed). */
function perContainer(
  name: string,
  summary: string,
  flags: FlagSpec[],
  missing: (ref: string) => string,
  act: (e: Entry, p: ParsedFlags) => Promise<string | null>,
): Command {
  return {
    usage: `docker ${name} [OPTIONS] CONTAINER [CONTAINER...]`,
    summary,
    minArgs: 1,
    flags,
    run: (p) => eachRef(p.positional, missing, (e) => act(e, p)),
  };
}

/** `docker exec [-e K=V]... CONTAINER COMMAND [ARG...]` (exec.ts): the command's exit code. */
function exec(p: ParsedFlags): number {
  const [ref = '', ...argv] = p.positional;
  const { found, failed } = resolve([ref], false, daemonNoSuchContainer);
  const rec = found[0]?.[1].container;
  if (failed || !rec) return 1;
  if (!found[0]![1].running)
    throw new DockerExit(1, `Error response from daemon: Container ${rec.id} is not running\n`);
  const env = Object.fromEntries(
    all(p, 'env').map((kv) => [kv.split('=')[0] ?? '', kv.includes('=') ? kv.slice(kv.indexOf('=') + 1) : '']),
  );
  const res = execInContainer(rec, argv, env);
  if (res.kind === 'exited') return res.code;
  throw new DockerExit(
    126,
    `OCI runtime exec failed: exec failed: container_linux.go:349: starting container process caused "exec: \\"${res.program}\\": executable file not found in $PATH": unknown\n`,
  );
}

const commands: Record<string, Command> = {
  exec: {
    usage: 'docker exec [OPTIONS] CONTAINER COMMAND [ARG...]',
    summary: 'Run a command in a running container',
    minArgs: 2,
    flagsBeforeArgs: true,
    flags: [
      { long: 'env', short: 'e', value: true },
      { long: 'interactive', short: 'i' },
      { long: 'tty', short: 't' },
      { long: 'user', short: 'u', value: true },
      { long: 'workdir', short: 'w', value: true },
    ],
    run: exec,
  },
  ps: {
    usage: 'docker ps [OPTIONS]',
    summary: 'List containers',
    minArgs: 0,
    flags: [
      { long: 'all', short: 'a' },
      { long: 'quiet', short: 'q' },
      { long: 'no-trunc' },
      { long: 'filter', short: 'f', value: true },
      { long: 'format', value: true },
      { long: 'last', short: 'n', value: true },
      { long: 'latest', short: 'l' },
      { long: 'size', short: 's' },
    ],
    run: ps,
  },
  rm: perContainer(
    'rm',
    'Remove one or more containers',
    [
      { long: 'force', short: 'f' },
      { long: 'volumes', short: 'v' },
      { long: 'link', short: 'l' },
    ],
    noSuchContainer,
    async (e, p) => {
      if (e.running && !has(p, 'force'))
        return `Error response from daemon: You cannot remove a running container ${e.id}. Stop the container before attempting removal or force remove\n`;
      dropSessionIfFaulted('restart'); // the lab's ssh-drop-during restart: the removal still happens
      await (e.container ? removeContainer(e.container) : e.sandbox && removeSandbox(e.sandbox));
      return null;
    },
  ),
  stop: perContainer(
    'stop',
    'Stop one or more running containers',
    [{ long: 'time', short: 't', value: true }],
    daemonNoSuchContainer,
    async (e, p) => {
      await (e.container ? stopContainer(e.container, graceMs(p)) : e.sandbox && stopSandbox(e.sandbox, graceMs(p)));
      return null;
    },
  ),
  kill: perContainer(
    'kill',
    'Kill one or more running containers',
    [{ long: 'signal', short: 's', value: true }],
    daemonNoSuchContainer,
    async (e) => {
      if (!e.running)
        return `Error response from daemon: Cannot kill container: ${e.id}: Container ${e.id} is not running\n`;
      await (e.container ? killContainer(e.container) : e.sandbox && stopSandbox(e.sandbox, 0));
      return null;
    },
  ),
  restart: perContainer(
    'restart',
    'Restart one or more containers',
    [{ long: 'time', short: 't', value: true }],
    daemonNoSuchContainer,
    async (e, p) => {
      await (e.container ? restartContainer(e.container, graceMs(p)) : e.sandbox && stopSandbox(e.sandbox, graceMs(p)));
      return null;
    },
  ),
  inspect: {
    usage: 'docker inspect [OPTIONS] NAME|ID [NAME|ID...]',
    summary: 'Return low-level information on Docker objects',
    minArgs: 1,
    flags: [
      { long: 'format', short: 'f', value: true },
      { long: 'type', value: true },
      { long: 'size', short: 's' },
    ],
    run: inspect,
  },
  logs: {
    usage: 'docker logs [OPTIONS] CONTAINER',
    summary: 'Fetch the logs of a container',
    minArgs: 1,
    flags: [
      { long: 'tail', value: true },
      { long: 'timestamps', short: 't' },
      { long: 'follow', short: 'f' },
    ],
    run: (p) => {
      const { found, failed } = resolve(p.positional.slice(0, 1), false, noSuchContainer);
      const e = found[0]?.[1];
      if (failed || !e) return 1;
      let text = '';
      try {
        text = fs.readFileSync(containerLogFile(e.id), 'utf8');
      } catch {
        // no output yet
      }
      const tail = last(p, 'tail');
      if (tail && tail !== 'all') text = `${text.split('\n').slice(0, -1).slice(-Number(tail)).join('\n')}\n`;
      out(text);
      return 0;
    },
  },
  version: formattedCommand('version', 'Show the Docker version information', () => {
    const data = {
      Client: {
        Platform: { Name: 'Docker Engine - Community' },
        Version: serverVersion,
        ApiVersion: '1.40',
        GoVersion: 'go1.13.15',
        GitCommit: '99e3ed8919',
        Os: 'linux',
        Arch: 'amd64',
      },
      Server: {
        Platform: { Name: 'Docker Engine - Community' },
        Version: serverVersion,
        ApiVersion: '1.40',
        MinAPIVersion: '1.12',
        GoVersion: 'go1.13.15',
        GitCommit: '99e3ed8919',
        Os: 'linux',
        Arch: 'amd64',
      },
    };
    const side = (title: string, api: string): string => {
      const indent = title === 'Server' ? '  ' : ' ';
      const fields = [
        ['Version', serverVersion],
        ['API version', api],
        ['Go version', 'go1.13.15'],
        ['Git commit', '99e3ed8919'],
        ['OS/Arch', 'linux/amd64'],
      ];
      return `${title}: Docker Engine - Community\n${title === 'Server' ? ' Engine:\n' : ''}${fields.map(([k, v]) => `${indent}${`${k}:`.padEnd(19)}${v}\n`).join('')}`;
    };
    return { data, plain: `${side('Client', '1.40')}\n${side('Server', '1.40 (minimum version 1.12)')}` };
  }),
  info: formattedCommand('info', 'Display system-wide information', () => {
    const entries = allEntries(true);
    const running = entries.filter((e) => e.running).length;
    const data = {
      ServerVersion: serverVersion,
      Containers: entries.length,
      ContainersRunning: running,
      ContainersStopped: entries.length - running,
      Driver: 'overlay2',
      CgroupDriver: 'systemd',
      DockerRootDir: '/var/lib/docker',
      OperatingSystem: 'CentOS Linux 7 (Core)',
    };
    const plain = `Client:\n Debug Mode: false\n\nServer:\n Containers: ${data.Containers}\n  Running: ${running}\n  Paused: 0\n  Stopped: ${data.ContainersStopped}\n Server Version: ${serverVersion}\n Storage Driver: overlay2\n Cgroup Driver: systemd\n Docker Root Dir: /var/lib/docker\n`;
    return { data, plain };
  }),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help') {
    out(
      `\nUsage:\tdocker [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers\n\nCommands:\n${Object.entries(
        commands,
      )
        .map(([n, c]) => `  ${n.padEnd(11)}${c.summary}\n`)
        .join('')}`,
    );
    return 0;
  }
  if (name === '--version' || name === '-v') {
    out(`Docker version ${serverVersion}, build 99e3ed8919\n`);
    return 0;
  }
  if (name.startsWith('-')) throw new DockerExit(125, `unknown flag: ${name}\nSee 'docker --help'.\n`);
  const cmd = commands[name];
  if (!cmd) throw new DockerExit(1, `docker: '${name}' is not a docker command.\nSee 'docker --help'\n`);
  const parsed = flagsOrFail(name, rest, cmd.flags, cmd.flagsBeforeArgs);
  if (has(parsed, 'help')) {
    out(`\nUsage:\t${cmd.usage}\n\n${cmd.summary}\n`);
    return 0;
  }
  if (parsed.positional.length < cmd.minArgs) {
    throw new DockerExit(
      1,
      `"docker ${name}" requires at least ${cmd.minArgs} argument.\nSee 'docker ${name} --help'.\n\nUsage:  ${cmd.usage}\n\n${cmd.summary}\n`,
    );
  }
  return cmd.run(parsed);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof DockerExit) {
    err(e.message);
    process.exitCode = e.code;
  } else {
    err(e instanceof TemplateError ? `Template parsing error: ${e.message}\n` : `Error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
