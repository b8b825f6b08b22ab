// No secret in anything the tool prints or writes. Runs renew (a dry run, a renewal, a failure with
// rollback) and check at the most verbose logging (-vvv, --log-level trace, --log-file), with --json
// and --junit, against an inventory that logs in with a passphrase-protected key (passphraseEnv) as a
// user whose sudo needs a password (passwordEnv). Then searches stdout, stderr, the log file, the
// JSON, the JUnit file and every file under --output-dir for: the SSH client key, its passphrase, the
// sudo password, every private key and client-key-data on the node, and the key bodies and tokens of
// the tke/certs ConfigMap. The one exception by design: the ConfigMap's own local backup
// (`<cluster>-tke-certs-<time>.json`), which must hold its keys to be restorable; it is mode 0600 in a
// 0700 folder and holds nothing else secret. Every file the tool writes locally is mode 0600.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type RunResult } from './support/lab.js';
import { listFiles, ONE_MASTER_GLOBAL, ONE_MASTER_NODE } from './support/small-lab.js';

const skip = labUnavailableReason();
const NODE = ONE_MASTER_NODE;
const TOPOLOGY = ONE_MASTER_GLOBAL;
const PASSPHRASE = 'correct horse battery staple 7f3a';

interface Secret {
  what: string;
  /** Texts that must not appear: the secret itself, each line of a PEM body, slices of base64. */
  needles: string[];
}

/** A PEM private key's body lines (64 base64 characters each) and slices of its base64'd PEM. */
function pemNeedles(pem: string): string[] {
  const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
  const b64 = Buffer.from(pem).toString('base64');
  const slices: string[] = [];
  for (let i = 0; i + 40 <= b64.length; i += 200) slices.push(b64.slice(i, i + 40));
  return [...body.filter((l) => l.length >= 20), ...slices];
}

describe.skipIf(skip)(`secrets stay out of output, logs and reports${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let inventory: string;
  let env: Record<string, string>;
  let sudoPassword: string;
  const runs: { name: string; res: RunResult; files: string[] }[] = [];
  let runIndex = 0;

  async function nodeSecrets(): Promise<Secret[]> {
    const out: Secret[] = [];
    const keys = await lab.exec(NODE, [
      'sh',
      '-c',
      'for f in $(find /etc/kubernetes /var/lib/kubelet -name "*.key" -o -name "*.pem"); do printf "@@%s\\n" "$f"; cat "$f"; done',
    ]);
    for (const part of keys.stdout.split('@@').filter(Boolean)) {
      const [file, ...rest] = part.split('\n');
      const pems =
        rest.join('\n').match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g) ?? [];
      for (const pem of pems) out.push({ what: `${file} private key`, needles: pemNeedles(pem) });
    }
    const kdata = await lab.exec(NODE, [
      'sh',
      '-c',
      'cat /etc/kubernetes/*.conf /root/.kube/config 2>/dev/null | sed -n "s/^ *client-key-data: *//p"',
    ]);
    for (const data of kdata.stdout.split('\n').filter(Boolean)) {
      out.push({
        what: 'client-key-data',
        needles: [data.slice(0, 60), ...pemNeedles(Buffer.from(data, 'base64').toString())],
      });
    }
    const cm = await lab.exec(NODE, [
      'kubectl',
      '--kubeconfig',
      '/etc/kubernetes/admin.conf',
      '-n',
      'tke',
      'get',
      'cm',
      'certs',
      '-o',
      'json',
    ]);
    const data = (JSON.parse(cm.stdout) as { data: Record<string, string> }).data;
    for (const [name, value] of Object.entries(data)) {
      if (name.endsWith('.key')) out.push({ what: `tke/certs ${name}`, needles: pemNeedles(value) });
      if (name.endsWith('.csv'))
        out.push({ what: `tke/certs ${name}`, needles: value.split('\n').filter((l) => l.length > 8) });
    }
    expect(out.filter((s) => s.what.startsWith('tke/certs')).length).toBeGreaterThanOrEqual(3);
    expect(out.filter((s) => s.what === 'client-key-data').length).toBeGreaterThanOrEqual(3);
    expect(out.filter((s) => s.what.endsWith('.key private key')).length).toBeGreaterThanOrEqual(10);
    return out;
  }

  /** Runs the tool at its most verbose with every report, into a fresh folder. */
  async function verboseRun(name: string, args: string[]): Promise<void> {
    const dir = path.join(lab.dir, `run-${runIndex++}`);
    const files = { log: path.join(dir, 'kcr.log'), junit: path.join(dir, 'junit.xml'), out: path.join(dir, 'out') };
    const viaFile = await lab.tool(
      [
        ...args,
        '--inventory',
        inventory,
        '-vvv',
        '--log-level',
        'trace',
        '--log-file',
        files.log,
        '--json',
        '--junit',
        files.junit,
        '--output-dir',
        files.out,
      ],
      env,
    );
    // The same once more with the trace log on stderr (no --log-file).
    const viaStderr = await lab.tool(
      [...args, '--inventory', inventory, '-vvv', '--json', '--output-dir', files.out],
      env,
    );
    runs.push({ name, res: viaFile, files: [files.log, files.junit, ...listFiles(files.out)] });
    runs.push({ name: `${name} (log on stderr)`, res: viaStderr, files: listFiles(files.out) });
    expect(readFileSync(files.log, 'utf8').length, `${name}: the log file is empty`).toBeGreaterThan(1000);
    // The tool's most detailed lines are debug (20): per command, per connection. They must be there,
    // on stderr as human lines (`debug [cluster/host] message (fields)`), in the file as JSON.
    expect(
      viaStderr.stderr.split('\n').filter((l) => l.startsWith('debug ')).length,
      `${name}: no debug lines on stderr`,
    ).toBeGreaterThan(0);
    expect(readFileSync(files.log, 'utf8')).toContain('"level":20');
  }

  beforeAll(async () => {
    lab = await Lab.up(TOPOLOGY, { name: 'secrets' });
    // A passphrase-protected copy of the lab's client key; the sudo password of kcrsudo.
    const key = path.join(lab.dir, 'id_encrypted');
    copyFileSync(path.join(lab.dir, 'id_ed25519'), key);
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', PASSPHRASE, '-f', key]);
    expect(readFileSync(key, 'utf8')).toContain('BEGIN OPENSSH PRIVATE KEY');
    sudoPassword = readFileSync(path.join(lab.dir, 'sudo-password'), 'utf8').trim();
    const doc = YAML.parse(readFileSync(lab.inventory, 'utf8')) as {
      defaults: Record<string, unknown> & { ssh: Record<string, unknown> };
    };
    doc.defaults.ssh = {
      ...doc.defaults.ssh,
      user: 'kcrsudo',
      identityFile: 'id_encrypted',
      passphraseEnv: 'KCR_KEY_PASSPHRASE',
    };
    doc.defaults.become = { enabled: true, passwordEnv: 'KCR_SUDO_PASSWORD' };
    inventory = path.join(lab.dir, 'inventory-secrets.yaml');
    writeFileSync(inventory, YAML.stringify(doc));
    env = { KCR_KEY_PASSPHRASE: PASSPHRASE, KCR_SUDO_PASSWORD: sudoPassword };
  }, 240_000);
  afterAll(async () => {
    await lab?.down();
  });

  it(
    'a dry run, a renewal, a kubeadm failure with rollback and a check, at trace level, all as kcrsudo with the passphrase key',
    { timeout: 600_000 },
    async () => {
      await verboseRun('dry run', ['--dry-run', '--renew-within', '400d']);
      expect(runs.at(-2)!.res.code, runs.at(-2)!.res.stderr.slice(-2000)).toBe(0);
      await verboseRun('renewal', ['--yes', '--renew-within', '400d']);
      expect(runs.at(-2)!.res.code, runs.at(-2)!.res.stderr.slice(-2000)).toBe(0);
      await lab.fault(NODE, 'kubeadm-renew-fail');
      try {
        await verboseRun('failure', ['--yes', '--force']);
        expect(runs.at(-2)!.res.code, runs.at(-2)!.res.stderr.slice(-2000)).toBe(2);
        expect(runs.at(-2)!.res.stderr + readFileSync(runs.at(-2)!.files[0]!, 'utf8')).toMatch(
          /restore_backup|Restore this master/,
        );
      } finally {
        await lab.fault(NODE, '--clear');
      }
      await verboseRun('check', ['check']);
      expect([0, 10, 11]).toContain(runs.at(-2)!.res.code);
      // The logins really used the passphrase key and sudo with a password (not root).
      expect(readFileSync(runs[2]!.files[0]!, 'utf8')).toMatch(/kcrsudo/);
    },
  );

  it('no private key, password, passphrase, token or ConfigMap key body appears in any output or file', async () => {
    expect(runs.length).toBe(8);
    const clientKey = readFileSync(path.join(lab.dir, 'id_ed25519'), 'utf8');
    const secrets: Secret[] = [
      { what: 'key passphrase', needles: [PASSPHRASE] },
      { what: 'sudo password', needles: [sudoPassword] },
      { what: 'SSH client key', needles: pemNeedles(clientKey) },
      {
        what: 'SSH client key (encrypted copy)',
        needles: pemNeedles(readFileSync(path.join(lab.dir, 'id_encrypted'), 'utf8')),
      },
      ...(await nodeSecrets()),
    ];
    expect(sudoPassword.length).toBeGreaterThanOrEqual(8);
    const leaks: string[] = [];
    let searched = 0;
    for (const run of runs) {
      const texts: [string, string][] = [
        [`${run.name} stdout`, run.res.stdout],
        [`${run.name} stderr`, run.res.stderr],
      ];
      for (const f of run.files) {
        if (/-tke-certs-\d{8}T\d{6}Z\.json$/.test(f)) continue; // the ConfigMap's own backup: checked below
        texts.push([`${run.name} ${path.basename(f)}`, readFileSync(f, 'utf8')]);
      }
      for (const [where, text] of texts) {
        searched += text.length;
        if (/PRIVATE KEY-----/.test(text)) leaks.push(`${where}: a PEM private key header`);
        for (const s of secrets) {
          const hit = s.needles.find((n) => n.length > 0 && text.includes(n));
          if (hit) leaks.push(`${where}: ${s.what} (${hit.slice(0, 12)}...)`);
        }
      }
    }
    expect(searched).toBeGreaterThan(100_000);
    expect(leaks).toEqual([]);
  });

  it('every file the tool wrote locally is mode 0600; the ConfigMap backup is in a 0700 folder and holds only the ConfigMap', () => {
    const written = runs.flatMap((r) => r.files);
    expect(written.some((f) => f.endsWith('kcr.log'))).toBe(true);
    expect(written.some((f) => f.endsWith('junit.xml'))).toBe(true);
    const backups = written.filter((f) => /-tke-certs-\d{8}T\d{6}Z\.json$/.test(f));
    expect(backups.length).toBeGreaterThan(0);
    for (const f of new Set(written))
      expect(`${path.basename(f)} ${(statSync(f).mode & 0o777).toString(8)}`).toBe(`${path.basename(f)} 600`);
    for (const f of backups) {
      expect((statSync(path.dirname(f)).mode & 0o777).toString(8)).toBe('700');
      const text = readFileSync(f, 'utf8');
      expect(text).not.toContain(PASSPHRASE);
      for (const needle of pemNeedles(readFileSync(path.join(lab.dir, 'id_ed25519'), 'utf8')))
        expect(text).not.toContain(needle);
      expect((JSON.parse(text) as { kind: string; metadata: { name: string } }).metadata.name).toBe('certs');
    }
  });
});
