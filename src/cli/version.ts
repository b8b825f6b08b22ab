// `renew version`: what this build is, so an operator can match a binary to its SHA256SUMS and its
// commit. Source and tsc builds know only their version; bundled builds also their commit and date.
import type { Command } from 'commander';
import { bundleInfo } from './bundle-info.js';
import type { CliIo } from './io.js';
import { packageVersion } from './package-info.js';

/** True inside a Node single executable application (node:sea exists from Node 20.12 only). */
function isSingleExecutable(): boolean {
  try {
    // A bundled build is CommonJS; elsewhere `require` is undefined and so is the answer. Not an
    // import: node:sea is missing before Node 20.12, and the engines allow 20.11.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return typeof require === 'function' && (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

export function versionLines(): string[] {
  const kind = isSingleExecutable() ? 'single executable' : bundleInfo ? 'bundled' : 'source build';
  return [
    `kube-cert-renew ${packageVersion()}`,
    `commit: ${bundleInfo?.commit ?? 'unknown (source build)'}`,
    `built: ${bundleInfo?.builtAt ?? 'unknown (source build)'}`,
    `node: ${process.version} ${process.platform}-${process.arch} (${kind})`,
  ];
}

export function addVersionCommand(program: Command, io: CliIo): void {
  program
    .command('version')
    .description('Prints the version, commit and build date of this build, and the Node.js it runs on.')
    .action(() => {
      io.stdout.write(`${versionLines().join('\n')}\n`);
    });
}
