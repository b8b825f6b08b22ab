// kubeadm-with-config.sh run for real (sh, mktemp) with a stand-in kubeadm: the configuration reaches
// kubeadm as a 0600 file named by --config, kubeadm's exit status is the script's, and the file is
// gone afterwards, also when the command is killed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KUBEADM_WITH_CONFIG_SCRIPT } from '../../../src/kube/scripts/kubeadm.js';

const dir = mkdtempSync(join(tmpdir(), 'kcr-kubeadm-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A kubeadm that reports its arguments, the --config file's mode and content, then exits `code`. */
function fakeKubeadm(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

function run(
  kubeadm: string,
  args: string[],
  stdin: string,
  onStart?: (pid: number) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', KUBEADM_WITH_CONFIG_SCRIPT, 'sh', kubeadm, ...args], { detached: true });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('running\n')) onStart?.(child.pid!);
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout }));
    child.stdin.end(stdin);
  });
}

const REPORT =
  'cfg=""; prev=""; for a in "$@"; do [ "$prev" = --config ] && cfg=$a; prev=$a; done\n' +
  'echo "args: $*"; echo "file: $cfg"; echo "mode: $(stat -c %a "$cfg")"; echo "---"; cat "$cfg"';

describe('kubeadm-with-config.sh', () => {
  it("gives kubeadm the configuration as a 0600 file after its own arguments, then removes it; the exit status is kubeadm's", async () => {
    const kubeadm = fakeKubeadm('kubeadm-exit3', `${REPORT}\nexit 3`);
    const config = 'apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n';
    const res = await run(kubeadm, ['certs', 'renew', 'all'], config);
    expect(res.code).toBe(3);
    const file = /^file: (\S+)$/m.exec(res.stdout)?.[1] ?? '';
    expect(res.stdout).toBe(`args: certs renew all --config ${file}\nfile: ${file}\nmode: 600\n---\n${config}`);
    expect(file).toMatch(/^\/tmp\/kube-cert-renew-kubeadm\.\w{6}$/);
    expect(existsSync(file)).toBe(false);
  });

  it('removes the file when the command is killed (a timeout or a lost session)', async () => {
    const kubeadm = fakeKubeadm('kubeadm-hangs', `${REPORT}\necho running\nsleep 30`);
    const res = await run(kubeadm, ['certs', 'renew', 'all'], 'kind: ClusterConfiguration\n', (pid) =>
      process.kill(-pid, 'SIGTERM'),
    );
    expect(res.code).toBe(143);
    const file = /^file: (\S+)$/m.exec(res.stdout)?.[1] ?? '';
    expect(file).not.toBe('');
    expect(existsSync(file)).toBe(false);
  });
});
