// Bundles the CLI into one CommonJS file, dist/kube-cert-renew.cjs: every dependency inside (so the
// npm package has none, and no install script runs), the playbooks and the build's identity inside
// (src/cli/bundle-info.ts). It is the npm package's bin and the script of the single executable.
// Reproducible: the date is the commit's (or SOURCE_DATE_EPOCH), inputs are read in sorted order.
//   node scripts/bundle.mjs            (npm run bundle; npm pack runs it as prepack)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { embedNodeScripts } from './embed-node-scripts.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const bundleFile = path.join(repoRoot, 'dist', 'kube-cert-renew.cjs');
/** The licenses of the packages inside the bundle (their terms ask for the notice to travel with them). */
export const noticesFile = path.join(repoRoot, 'dist', 'THIRD-PARTY-NOTICES.txt');

function git(args) {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Commit id ("-dirty" when tracked files differ from it), and the build date. */
export function buildIdentity() {
  const head = git(['rev-parse', 'HEAD']);
  const dirty = head !== undefined && git(['status', '--porcelain', '--untracked-files=no']) !== '';
  const epoch = process.env.SOURCE_DATE_EPOCH ?? git(['log', '-1', '--format=%ct']);
  if (epoch === undefined || !/^\d+$/.test(epoch))
    throw new Error('bundle: no build date: set SOURCE_DATE_EPOCH (seconds) or build from a git clone');
  return {
    commit: head === undefined ? (process.env.KCR_COMMIT ?? 'unknown') : `${head}${dirty ? '-dirty' : ''}`,
    builtAt: new Date(Number(epoch) * 1000).toISOString().replace('.000Z', 'Z'),
  };
}

/**
 * ssh2 loads two optional native addons (cpu-features, its sshcrypto.node) inside try/catch and
 * falls back to pure JavaScript: in the bundle each is a module that throws, so nothing is compiled
 * at install and nothing is looked up on disk at run time (a single executable's require would
 * print a warning for a module that is not built in).
 */
const absentNativeAddons = {
  name: 'absent-native-addons',
  setup(b) {
    b.onResolve({ filter: /^cpu-features$|\.node$/ }, (args) => ({
      path: args.path,
      namespace: 'absent-native-addon',
    }));
    b.onLoad({ filter: /.*/, namespace: 'absent-native-addon' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path}: native addon not bundled`)});`,
      loader: 'js',
    }));
  },
};

export async function bundle() {
  // The node scripts (src/**/*.sh, *.awk) become string constants first: a fresh clone has none yet.
  embedNodeScripts();
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const playbookDir = path.join(repoRoot, 'playbooks');
  const playbooks = Object.fromEntries(
    readdirSync(playbookDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => [f, readFileSync(path.join(playbookDir, f), 'utf8')]),
  );
  const info = { version: pkg.version, ...buildIdentity(), playbooks };
  const result = await build({
    metafile: true,
    absWorkingDir: repoRoot,
    entryPoints: ['src/cli/main.ts'],
    outfile: bundleFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // The shebang comes from src/cli/main.ts.
    define: { __KCR_BUNDLE__: JSON.stringify(info) },
    plugins: [absentNativeAddons],
    // Paths in the bundle's comments as seen from the clone (node_modules may be a symlink elsewhere).
    preserveSymlinks: true,
    // package-info.ts reads import.meta only when __KCR_BUNDLE__ is undefined, never in the bundle.
    logOverride: { 'empty-import-meta': 'silent' },
    legalComments: 'eof',
    logLevel: 'warning',
  });
  writeFileSync(noticesFile, thirdPartyNotices(Object.keys(result.metafile.inputs)));
  return info;
}

/** One section per package under node_modules that the bundle took code from, sorted by name. */
function thirdPartyNotices(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const sections = [...dirs]
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(path.join(repoRoot, dir, 'package.json'), 'utf8'));
      const licenseFile = readdirSync(path.join(repoRoot, dir))
        .sort()
        .find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
      const text =
        licenseFile && existsSync(path.join(repoRoot, dir, licenseFile))
          ? readFileSync(path.join(repoRoot, dir, licenseFile), 'utf8').trim()
          : `(no license file; package.json says: ${pkg.license ?? 'nothing'})`;
      return { name: pkg.name, text: `${pkg.name} ${pkg.version} (${pkg.license ?? 'unknown license'})\n\n${text}\n` };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rule = `\n${'-'.repeat(78)}\n\n`;
  return `kube-cert-renew bundles the following packages; their licenses follow.\n\n${sections.map((s) => s.text).join(rule)}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const info = await bundle();
  process.stderr.write(
    `bundle: ${path.relative(repoRoot, bundleFile)} (kube-cert-renew ${info.version}, commit ${info.commit}, built ${info.builtAt})\n`,
  );
}
