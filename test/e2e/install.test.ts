// Installing as docs/install.md says, with its commands: `npm run dist` (here `node scripts/dist.mjs
// --arch amd64 --out DIR`, the same build), `sha256sum -c SHA256SUMS`, the npm package installed
// from its tarball into an empty prefix with no registry (`npm install -g --prefix --offline`), and
// the single executable run from a folder of its own with no Node on PATH. Each runs `check` on a
// lab; the single executable also renews it, judged by the lab (serials served and on disk). The
// arm64 executable does the same under qemu-user when KCR_ARM64_SYSROOT is set (docs/install.md).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, repoRoot, run, type LabStatus, type RunResult } from './support/lab.js';
import { diskSerials, loadedSerials } from './support/node-files.js';

const skip = labUnavailableReason();
// One containerd master, 335 days left: `check` exits 0, a renewal needs --renew-within 400d.
const TOPOLOGY = `
clusters:
  - { name: solo, kubernetesVersion: "1.21.4", runtime: containerd, masters: 1, certAgeDays: 30 }
`;
const NODE = 'solo-m1';

/** `npm run dist` for one architecture, of the tree at `root`, into `out`. */
const buildDist = (root: string, arch: 'amd64' | 'arm64', out: string): Promise<RunResult> =>
  run(process.execPath, [path.join(root, 'scripts/dist.mjs'), '--arch', arch, '--out', out]);

interface CheckJson {
  exitCode: number;
  entries: { node: string; source: string }[];
}

describe.skipIf(skip)(
  `installing the npm package and the single executable${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: Lab;
    let tmp: string;
    let distDir: string;
    let prefix: string;
    let tarball: string;

    beforeAll(async () => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'kcr-install-'));
      distDir = path.join(tmp, 'dist');
      prefix = path.join(tmp, 'prefix');
      // The build and the lab at once: the build is CPU, the lab mostly waiting.
      const [built, up] = await Promise.all([
        buildDist(repoRoot, 'amd64', distDir),
        Lab.up(TOPOLOGY, { name: 'install' }),
      ]);
      lab = up;
      if (built.code !== 0) throw new Error(`dist failed (${built.code}): ${built.stderr.slice(-2000)}`);
      tarball = path.join(
        distDir,
        readdirSync(distDir).find((f) => f.endsWith('.tgz'))!,
      );
    }, 400_000);
    afterAll(async () => {
      await lab?.down();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('writes SHA256SUMS that `sha256sum -c` verifies, naming the tarball, the amd64 executable and the notices', () => {
      const out = execFileSync('sha256sum', ['-c', 'SHA256SUMS', '--ignore-missing'], {
        cwd: distDir,
        encoding: 'utf8',
      });
      expect(out.trim().split('\n').sort()).toEqual([
        'THIRD-PARTY-NOTICES.txt: OK',
        `${path.basename(tarball)}: OK`,
        'renew-linux-amd64: OK',
      ]);
      const notices = readFileSync(path.join(distDir, 'THIRD-PARTY-NOTICES.txt'), 'utf8');
      for (const pkg of ['commander', 'ssh2', 'pino', 'yaml', 'zod', 'Node.js'])
        expect(notices).toMatch(new RegExp(`^${pkg} \\d+\\.\\d+\\.\\d+ `, 'm'));
    });

    /** Builds the amd64 release of the tree at `root` into `out`; it must succeed and match the first build's SHA256SUMS. */
    async function expectSameBuild(root: string, out: string): Promise<void> {
      const built = await buildDist(root, 'amd64', out);
      expect(built.code, built.stderr.slice(-2000)).toBe(0);
      expect(readFileSync(path.join(out, 'SHA256SUMS'), 'utf8')).toBe(
        readFileSync(path.join(distDir, 'SHA256SUMS'), 'utf8'),
      );
    }

    it('builds reproducibly: a second build of the same tree gives the same SHA256SUMS', async () => {
      await expectSameBuild(repoRoot, path.join(tmp, 'dist-again'));
    }, 300_000);

    // A clone's tree is the commit: only comparable when this tree has no uncommitted changes (CI's).
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
        cwd: repoRoot,
        encoding: 'utf8',
      }).trim() !== '';
    it.skipIf(dirty)(
      `builds reproducibly: a fresh clone in another folder gives the same SHA256SUMS${dirty ? ' (skipped: uncommitted changes)' : ''}`,
      async () => {
        const clone = path.join(tmp, 'clone');
        execFileSync('git', ['clone', '-q', '--no-hardlinks', repoRoot, clone]);
        execFileSync(
          'git',
          ['checkout', '-q', execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim()],
          { cwd: clone },
        );
        // The same installed packages (npm ci would fetch the same locked versions) and Node binaries.
        symlinkSync(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'));
        mkdirSync(path.join(clone, 'out'));
        symlinkSync(path.join(repoRoot, 'out/cache'), path.join(clone, 'out/cache'));
        await expectSameBuild(clone, path.join(tmp, 'dist-clone'));
      },
      300_000,
    );

    it('the tarball installs into an empty prefix with no registry, no dependencies and no install script', async () => {
      mkdirSync(prefix);
      // An empty cache too: anything fetched would fail (--offline), so nothing is.
      const res = await run('npm', [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--offline',
        '--cache',
        path.join(tmp, 'npm-cache'),
        '--no-audit',
        '--no-fund',
        tarball,
      ]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).not.toMatch(/install script|gyp|warn/i);
      const installed = path.join(prefix, 'lib/node_modules/kube-cert-renew');
      expect(existsSync(path.join(installed, 'node_modules'))).toBe(false);
      expect(readdirSync(path.join(installed, 'playbooks')).sort()).toEqual(['check.yaml', 'renew.yaml']);
      expect(existsSync(path.join(installed, 'inventories/example.yaml'))).toBe(true);
      for (const bin of ['renew', 'kube-cert-renew']) expect(existsSync(path.join(prefix, 'bin', bin)), bin).toBe(true);
    }, 120_000);

    it('npx runs it from the tarball without installing', async () => {
      const res = await run('npx', [
        '--yes',
        '--offline',
        '--cache',
        path.join(tmp, 'npx-cache'),
        '--package',
        tarball,
        '--',
        'renew',
        '--help',
      ]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/^Usage: renew \[options\] \[command\]/);
    }, 120_000);

    it('the installed `renew --help` and `kube-cert-renew version` run', async () => {
      const help = await run(path.join(prefix, 'bin/renew'), ['--help']);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^Usage: renew \[options\] \[command\]/);
      // commander wraps descriptions to the terminal's width: compare with the wrapping undone.
      expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/\(env: KCR_INVENTORY\)/);
      const version = await run(path.join(prefix, 'bin/kube-cert-renew'), ['version']);
      expect(version.code, version.stderr).toBe(0);
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
      expect(version.stdout).toMatch(
        new RegExp(
          `^kube-cert-renew \\d+\\.\\d+\\.\\d+\\ncommit: ${head}(-dirty)?\\nbuilt: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\n`,
        ),
      );
    });

    it('the installed `renew check` reports the lab node, run from another folder (the embedded playbook)', async () => {
      const res = await run(path.join(prefix, 'bin/renew'), [
        'check',
        '--deep', // what :6443 and :2379 serve: the proof it reached the lab's API server and etcd
        '--inventory',
        lab.inventory,
        '--json',
        '--output-dir',
        path.join(tmp, 'out-npm'),
      ]);
      expect(res.code, res.stderr).toBe(0);
      const report = JSON.parse(res.stdout) as CheckJson;
      expect(report.exitCode).toBe(0);
      expect(report.entries.filter((e) => e.node === NODE && e.source === 'served').length).toBeGreaterThanOrEqual(2);
    }, 120_000);

    describe('the single executable, copied to a folder of its own, with no Node on PATH', () => {
      let exe: string;
      let env: Record<string, string>;
      beforeAll(() => {
        const binDir = path.join(tmp, 'opt-bin');
        mkdirSync(binDir);
        exe = path.join(binDir, 'renew');
        execFileSync('install', ['-m', '0755', path.join(distDir, 'renew-linux-amd64'), exe]);
        // PATH holds only the executable's folder; KCR_INVENTORY gives the inventory (docs/install.md).
        env = { PATH: binDir, KCR_INVENTORY: lab.inventory, KCR_OUTPUT_DIR: path.join(tmp, 'out-sea') };
      });

      it('finds no node on that PATH (so nothing below can lean on one)', () => {
        const found = execFileSync('/bin/sh', ['-c', 'command -v node || echo none'], {
          env: { PATH: env.PATH! },
          encoding: 'utf8',
        });
        expect(found.trim()).toBe('none');
      });

      it('prints its version, commit and build date', async () => {
        const res = await run(exe, ['version'], env);
        expect(res.code, res.stderr).toBe(0);
        expect(res.stdout).toMatch(
          /^kube-cert-renew \d+\.\d+\.\d+\ncommit: [0-9a-f]{40}(-dirty)?\nbuilt: \S+Z\nnode: v20\.\d+\.\d+ linux-x64 \(single executable\)\n$/,
        );
      });

      it('runs `check` on the lab, with no warning from Node (nothing is loaded from disk)', async () => {
        const res = await run(exe, ['check', '--deep', '--json'], env);
        expect(res.code, res.stderr).toBe(0);
        expect(res.stderr).not.toMatch(/Warning|single-executable/);
        const report = JSON.parse(res.stdout) as CheckJson;
        expect(report.entries.filter((e) => e.node === NODE && e.source === 'served').length).toBeGreaterThanOrEqual(2);
      }, 120_000);

      it(
        'renews the lab master: every component serves a new certificate, the one on disk',
        { timeout: 300_000 },
        async () => {
          await renewsTheMaster(exe, [], env);
        },
      );
    });

    // The arm64 executable under qemu-user, when this machine has it (scripts/arm64-sysroot.sh).
    const qemu = '/usr/bin/qemu-aarch64-static';
    const sysroot = process.env.KCR_ARM64_SYSROOT;
    const noArm64 = !sysroot
      ? 'KCR_ARM64_SYSROOT is not set (scripts/arm64-sysroot.sh)'
      : !existsSync(qemu)
        ? `${qemu} is missing (apt-get install qemu-user-static)`
        : undefined;
    describe.skipIf(noArm64)(
      `the arm64 single executable under qemu, with no Node on PATH${noArm64 ? ` (skipped: ${noArm64})` : ''}`,
      () => {
        let exe: string;
        let env: Record<string, string>;
        beforeAll(async () => {
          const arm64Dir = path.join(tmp, 'dist-arm64');
          const built = await buildDist(repoRoot, 'arm64', arm64Dir);
          if (built.code !== 0)
            throw new Error(`dist --arch arm64 failed (${built.code}): ${built.stderr.slice(-2000)}`);
          exe = path.join(arm64Dir, 'renew-linux-arm64');
          env = {
            PATH: path.join(tmp, 'opt-bin'),
            KCR_INVENTORY: lab.inventory,
            KCR_OUTPUT_DIR: path.join(tmp, 'out-arm64'),
          };
        }, 300_000);

        it('prints its version and runs `check` on the lab', async () => {
          const version = await run(qemu, ['-L', sysroot!, exe, 'version'], env);
          expect(version.code, version.stderr).toBe(0);
          expect(version.stdout).toMatch(/\nnode: v20\.\d+\.\d+ linux-arm64 \(single executable\)\n$/);
          const res = await run(qemu, ['-L', sysroot!, exe, 'check', '--deep', '--json'], env);
          expect(res.code, res.stderr).toBe(0);
          expect(res.stderr).not.toMatch(/Warning|single-executable/);
          const report = JSON.parse(res.stdout) as CheckJson;
          expect(report.entries.filter((e) => e.node === NODE && e.source === 'served').length).toBeGreaterThanOrEqual(
            2,
          );
        }, 120_000);

        it('renews the lab master again', { timeout: 300_000 }, async () => {
          await renewsTheMaster(qemu, ['-L', sysroot!, exe], env);
        });
      },
    );

    /** `cmd prefix... --yes --json --renew-within 400d` renews NODE, as the lab sees it. */
    async function renewsTheMaster(cmd: string, prefix: string[], env: Record<string, string>): Promise<void> {
      const before: LabStatus = await lab.status();
      const res = await run(cmd, [...prefix, '--yes', '--json', '--renew-within', '400d'], env);
      expect(res.code, res.stderr.slice(-3000)).toBe(0);
      expect(res.stderr).not.toMatch(/Warning|single-executable/);
      const report = JSON.parse(res.stdout) as { clusters: { hosts: { host: string; status: string }[] }[] };
      expect(report.clusters.flatMap((c) => c.hosts).map((h) => [h.host, h.status])).toEqual([[NODE, 'changed']]);
      const after = await lab.status();
      const loaded = loadedSerials(after, NODE);
      for (const [component, serial] of Object.entries(loadedSerials(before, NODE)))
        expect(loaded[component], component).not.toBe(serial);
      expect(loaded).toEqual(await diskSerials(lab, NODE));
    }
  },
);
