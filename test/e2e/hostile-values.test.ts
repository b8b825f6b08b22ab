// Hostile values (spaces, quotes, `;`, `$()`, backticks, newlines, leading dashes) in names, users,
// paths, URLs, vars and flags: either refused at validation with one line, or carried to the remote
// side as inert data. Every payload would `touch /tmp/pwned-<random>` (or a file in the current
// folder) if a shell ever interpreted it; the lab node and this machine are searched afterwards.
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import { loadInventory } from '../../src/inventory/load.js';
import { createSshTransport } from '../../src/transport/index.js';
import { Lab, labUnavailableReason, type RunResult } from './support/lab.js';
import { listFiles, ONE_MASTER_GLOBAL, ONE_MASTER_NODE } from './support/small-lab.js';
import { treeHashes } from './support/node-files.js';

const skip = labUnavailableReason();
const NODE = ONE_MASTER_NODE;
const TOPOLOGY = ONE_MASTER_GLOBAL;
/** The lab's inventory, as far as these tests edit it. */
interface InventoryDoc {
  defaults: {
    ssh: Record<string, unknown>;
    kubeadm: Record<string, unknown>;
    become?: Record<string, unknown>;
    vars?: Record<string, unknown>;
  };
  clusters: {
    name: string;
    kubernetesVersion?: string;
    vars?: Record<string, unknown>;
    masters: Record<string, unknown>[];
  }[];
}
const MARK = `pwned-${randomBytes(6).toString('hex')}`;
const PWNED = `/tmp/${MARK}`;
/** Every way a shell could be talked into running `touch`, plus characters that break naive quoting. */
const PAYLOADS = [
  `$(touch ${PWNED})`,
  `\`touch ${PWNED}\``,
  `x; touch ${PWNED}`,
  `x && touch ${PWNED} || touch ${PWNED}`,
  `x | touch ${PWNED}`,
  `'; touch ${PWNED}; '`,
  `"; touch ${PWNED}; "`,
  `x\ntouch ${PWNED}`,
  `-oProxyCommand=touch ${PWNED}`,
  `--help`,
  `-rf`,
  `$((1+1)) \${HOME} $HOME ~ * ? [a] {a,b} !! \\ \\n %s %n`,
  `tab\there`,
  `unicode é ü 日本 🙂`,
  '',
  ' leading and trailing spaces ',
];

describe.skipIf(skip)(`hostile values${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let base: InventoryDoc;
  let variant = 0;

  /** Writes a copy of the lab's inventory, changed by `edit`, beside it (relative paths keep working). */
  function inventoryWith(edit: (doc: InventoryDoc) => void): string {
    const doc = structuredClone(base);
    edit(doc);
    const file = path.join(lab.dir, `inventory-hostile-${variant++}.yaml`);
    writeFileSync(file, YAML.stringify(doc));
    return file;
  }

  async function expectNotPwned(): Promise<void> {
    const onNode = await lab.exec(NODE, [
      'sh',
      '-c',
      'find / -xdev -name "$1" 2>/dev/null; ls -a /root /tmp',
      'sh',
      MARK,
    ]);
    expect(onNode.stdout).not.toContain(MARK);
    expect(existsSync(PWNED), `${PWNED} exists on this machine`).toBe(false);
    expect(readdirSync(lab.dir).filter((f) => f.includes(MARK))).toEqual([]);
    expect(readdirSync(process.cwd()).filter((f) => f.includes(MARK))).toEqual([]);
  }

  beforeAll(async () => {
    lab = await Lab.up(TOPOLOGY, { name: 'hostile' });
    base = YAML.parse(readFileSync(lab.inventory, 'utf8')) as InventoryDoc;
  }, 240_000);
  afterAll(async () => {
    await lab?.down();
  });

  it(
    'the transport carries argv with every hostile character to the node and back exactly (root, and sudo with a password)',
    { timeout: 300_000 },
    async () => {
      const sudoFile = inventoryWith((d) => {
        d.defaults.ssh.user = 'kcrsudo';
        d.defaults.become = { enabled: true, passwordEnv: 'KCR_TEST_SUDO_PASSWORD' };
      });
      const env = { KCR_TEST_SUDO_PASSWORD: readFileSync(path.join(lab.dir, 'sudo-password'), 'utf8').trim() };
      // The transport reads the sudo password from the environment when it needs it.
      process.env.KCR_TEST_SUDO_PASSWORD = env.KCR_TEST_SUDO_PASSWORD;
      for (const [file, become] of [
        [lab.inventory, false],
        [sudoFile, true],
      ] as const) {
        const inv = await loadInventory(file, { env });
        const host = inv.clusters[0]!.masters[0]!;
        const transport = createSshTransport({ logger: pino({ level: 'silent' }) });
        try {
          const conn = await transport.connect(host);
          const res = await conn.exec(['printf', '%s\\0', ...PAYLOADS], { become });
          expect(res.exitCode, res.stderr).toBe(0);
          expect(res.stdout.split('\0').slice(0, -1)).toEqual(PAYLOADS);
          // Each payload as the command name's argument, and as the first argument of a command
          // that parses options: still data.
          const who = await conn.exec(['id', '-un'], { become });
          expect(who.stdout.trim()).toBe('root');
          const ls = await conn.exec(['ls', '-d', '--', ...PAYLOADS.filter(Boolean)], { become });
          expect(ls.exitCode).not.toBe(0); // none of these files exists, and ls said so
          expect(ls.stderr).toContain('No such file or directory');
        } finally {
          await transport.closeAll();
        }
      }
      delete process.env.KCR_TEST_SUDO_PASSWORD;
      await expectNotPwned();
    },
  );

  it(
    'hostile names, addresses, users, paths and URLs in the inventory are refused with one line, exit 4',
    { timeout: 300_000 },
    async () => {
      const edits: [string, (d: InventoryDoc) => void, RegExp][] = [
        ['cluster name with ;', (d) => (d.clusters[0]!.name = `g; touch ${PWNED}`), /invalid name/],
        ['host name with $()', (d) => (d.clusters[0]!.masters[0]!.name = `$(touch ${PWNED})`), /invalid host name/],
        [
          'host name with a newline',
          (d) => (d.clusters[0]!.masters[0]!.name = `g-m1\ntouch ${PWNED}`),
          /invalid host name/,
        ],
        [
          'host name with a leading dash',
          (d) => (d.clusters[0]!.masters[0]!.name = '-oProxyCommand=x'),
          /invalid host name/,
        ],
        [
          'address with backticks',
          (d) => (d.clusters[0]!.masters[0]!.address = `\`touch ${PWNED}\``),
          /invalid address/,
        ],
        [
          'address as an ssh option',
          (d) => (d.clusters[0]!.masters[0]!.address = `-oProxyCommand=touch ${PWNED}`),
          /invalid address/,
        ],
        ['user with $()', (d) => (d.defaults.ssh.user = `root$(touch ${PWNED})`), /invalid user name/],
        ['user with a space and quotes', (d) => (d.defaults.ssh.user = `kcradmin' "x`), /invalid user name/],
        ['user with a leading dash', (d) => (d.defaults.ssh.user = '-lroot'), /invalid user name/],
        [
          'installDir with $()',
          (d) => (d.defaults.kubeadm.installDir = `/opt/$(touch ${PWNED})`),
          /invalid "installDir"/,
        ],
        ['installDir with ..', (d) => (d.defaults.kubeadm.installDir = '/opt/../etc'), /invalid "installDir"/],
        [
          'mirrorUrl with a space and quotes',
          (d) => (d.defaults.kubeadm.mirrorUrl = `http://x/"; touch ${PWNED}; "`),
          /invalid "mirrorUrl"/,
        ],
        [
          'mirrorUrl with backticks',
          (d) => (d.defaults.kubeadm.mirrorUrl = `http://x/\`touch${PWNED}\``),
          /invalid "mirrorUrl"/,
        ],
        [
          'mirrorUrl with ${}',
          (d) => (d.defaults.kubeadm.mirrorUrl = 'http://x/${IFS}/kubeadm'),
          /unknown placeholder/,
        ],
        [
          'identityFile with a newline',
          (d) => (d.defaults.ssh.identityFile = `id_ed25519\ntouch ${PWNED}`),
          /control character/,
        ],
        [
          'kubernetesVersion with $()',
          (d) => (d.clusters[0]!.kubernetesVersion = `1.18.3$(touch ${PWNED})`),
          /invalid "kubernetesVersion"/,
        ],
        ['vars name with ;', (d) => (d.clusters[0]!.vars = { [`a;touch ${PWNED}`]: 1 }), /not a valid variable name/],
        [
          'passwordEnv that is a secret',
          (d) => (d.defaults.ssh.passwordEnv = `$(touch ${PWNED})`),
          /invalid environment variable name/,
        ],
      ];
      for (const [index, [name, edit, message]] of edits.entries()) {
        const file = inventoryWith(edit);
        // The CLI's entry in this process (fast); every fourth case through the built binary too.
        const res =
          index % 4 === 0
            ? await lab.tool(['--inventory', file, '--yes'])
            : await cliInProcess(['--inventory', file, '--yes']);
        expect(res.code, `${name}: ${res.stderr}`).toBe(4);
        expect(res.stderr, name).toMatch(
          new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `),
        );
        expect(res.stderr, name).toMatch(message);
        expect(res.stderr.trimEnd().split('\n'), name).toHaveLength(1);
      }
      await expectNotPwned();
    },
  );

  it(
    '--limit and --cluster with odd names are usage errors (exit 5, one line); nothing runs',
    { timeout: 300_000 },
    async () => {
      for (const args of [
        ['--limit', `g-m1;touch ${PWNED}`],
        ['--limit', `$(touch ${PWNED})`],
        ['--limit', `g-m1,\`touch ${PWNED}\``],
        ['--cluster', `g\ntouch ${PWNED}`],
        ['--cluster', `-rf`],
      ]) {
        const res = await lab.tool(['--inventory', lab.inventory, '--yes', ...args]);
        expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(5);
        expect(res.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
        expect(res.stderr).toMatch(/^error: /);
      }
      await expectNotPwned();
    },
  );

  it(
    'hostile vars reach nothing: a dry run and a check complete and change nothing',
    { timeout: 180_000 },
    async () => {
      const file = inventoryWith((d) => {
        d.defaults.vars = Object.fromEntries(PAYLOADS.map((p, i) => [`v${i}`, p]));
        d.clusters[0]!.masters[0]!.vars = { note: `$(touch ${PWNED})` };
      });
      const before = await treeHashes(lab, NODE, '/etc/kubernetes');
      const dry = await lab.tool(['--inventory', file, '--dry-run', '--renew-within', '400d']);
      expect(dry.code, dry.stderr.slice(-2000)).toBe(0);
      const check = await lab.tool(['check', '--inventory', file]);
      expect([0, 10, 11], check.stderr.slice(-2000)).toContain(check.code);
      expect(await treeHashes(lab, NODE, '/etc/kubernetes')).toBe(before);
      await expectNotPwned();
    },
  );

  it(
    'a mirrorUrl with $() and ; is passed to the download as data: the download fails, naming the URL, nothing runs',
    { timeout: 240_000 },
    async () => {
      const mirror = String(base.defaults.kubeadm.mirrorUrl);
      const url = `${mirror};touch$IFS${PWNED};$(touch$IFS${PWNED})`;
      const file = inventoryWith((d) => {
        d.defaults.kubeadm = { provision: 'download', mirrorUrl: url };
      });
      // Hide the node's kubeadm so that provisioning runs.
      expect((await lab.exec(NODE, ['mv', '/usr/local/bin/kubeadm', '/usr/local/bin/kubeadm.hidden'])).code).toBe(0);
      try {
        const res = await lab.tool(['--inventory', file, '--yes', '--json', '--renew-within', '400d']);
        expect(res.code, res.stderr.slice(-2000)).toBe(2);
        expect(res.stderr).toMatch(
          /Provision kubeadm.* failed .*download failed: http:\/\/.*kubeadm;touch\$IFS\/tmp\/pwned-[0-9a-f]+;\$\(touch\$IFS/,
        );
      } finally {
        await lab.exec(NODE, ['mv', '/usr/local/bin/kubeadm.hidden', '/usr/local/bin/kubeadm']);
      }
      await expectNotPwned();
    },
  );

  it(
    'a localBinary path and an --output-dir full of shell syntax are used as plain paths: kubeadm uploaded, renewal done, backups written there',
    { timeout: 300_000 },
    async () => {
      const weird = `we ird '"; $(touch ${PWNED}) \`touch ${PWNED}\` -rf`;
      const binDir = path.join(lab.dir, weird);
      mkdirSync(binDir, { recursive: true });
      const mirrorFile = path.join(lab.dir, 'mirror/kubernetes-release/release/v1.18.3/bin/linux/amd64/kubeadm');
      copyFileSync(mirrorFile, path.join(binDir, 'kubeadm-1.18.3'));
      chmodSync(path.join(binDir, 'kubeadm-1.18.3'), 0o755);
      const file = inventoryWith((d) => {
        d.defaults.kubeadm = { provision: 'upload', localBinary: `${weird}/kubeadm-{version}` };
      });
      const outputDir = path.join(lab.dir, `out; $(touch ${PWNED}) \`touch ${PWNED}\``, '-rf');
      expect((await lab.exec(NODE, ['mv', '/usr/local/bin/kubeadm', '/usr/local/bin/kubeadm.hidden'])).code).toBe(0);
      try {
        const res = await lab.tool(['--inventory', file, '--yes', '--renew-within', '400d', '--output-dir', outputDir]);
        expect(res.code, res.stderr.slice(-3000)).toBe(0);
        expect(res.stderr).toMatch(
          /installed kubeadm v?1\.18\.3 at \/var\/lib\/kube-cert-renew\/bin\/kubeadm-v1\.18\.3 \(upload\)/,
        );
      } finally {
        await lab.exec(NODE, ['mv', '/usr/local/bin/kubeadm.hidden', '/usr/local/bin/kubeadm']);
      }
      // The uploaded file is byte for byte the local one.
      const remote = await lab.exec(NODE, ['sha256sum', '/var/lib/kube-cert-renew/bin/kubeadm-v1.18.3']);
      expect(remote.stdout.split(' ')[0]).toBe(createHash('sha256').update(readFileSync(mirrorFile)).digest('hex'));
      // The global cluster's tke/certs ConfigMap backup went into that exact folder, mode 0600.
      const written = listFiles(outputDir);
      expect(written.length, `nothing written under ${outputDir}`).toBeGreaterThan(0);
      for (const f of written) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
      await expectNotPwned();
    },
  );
});

/** `runCli` (what the bin runs) with captured output. */
async function cliInProcess(argv: string[]): Promise<RunResult> {
  const capture = () => Object.assign(new PassThrough(), { text: '' });
  const stdout = capture();
  const stderr = capture();
  stdout.on('data', (d: Buffer) => (stdout.text += d.toString()));
  stderr.on('data', (d: Buffer) => (stderr.text += d.toString()));
  const code = await runCli(argv, {
    stdout,
    stderr,
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    env: {},
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
