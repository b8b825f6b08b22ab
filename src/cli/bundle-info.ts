// What a bundled build (the npm package's single .cjs file, the single executable) carries inside:
// its version, commit, build date and the playbooks. scripts/bundle.mjs defines __KCR_BUNDLE__ at
// bundle time; run from src/ or dist/src/ (tsc) it is undefined and the files on disk are used.
export interface BundleInfo {
  version: string;
  /** Full commit id, with "-dirty" when the tree had uncommitted changes. */
  commit: string;
  /** ISO time of the commit (or SOURCE_DATE_EPOCH): the same for two builds of one commit. */
  builtAt: string;
  /** playbooks/*.yaml by file name, as text. */
  playbooks: Record<string, string>;
}

declare const __KCR_BUNDLE__: BundleInfo | undefined;

export const bundleInfo: BundleInfo | undefined = typeof __KCR_BUNDLE__ === 'undefined' ? undefined : __KCR_BUNDLE__;

/** How a bundled playbook is named (in --help, logs and errors): no file of that name exists. */
export const EMBEDDED_PLAYBOOK_PREFIX = '<embedded>/playbooks/';

/** The text of a playbook embedded in this build, when `file` names one. */
export function embeddedPlaybook(file: string): string | undefined {
  if (!bundleInfo || !file.startsWith(EMBEDDED_PLAYBOOK_PREFIX)) return undefined;
  const name = file.slice(EMBEDDED_PLAYBOOK_PREFIX.length);
  return Object.hasOwn(bundleInfo.playbooks, name) ? bundleInfo.playbooks[name] : undefined;
}
