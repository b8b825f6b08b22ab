// Throwaway local users for sudo tests (`kcrtest...`), with a /etc/sudoers.d entry. Every user
// created is removed by `remove()` and, as a safety net, when the test process exits.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';

export interface TestUser {
  name: string;
  remove(): void;
}

const created = new Set<string>();
process.once('exit', () => {
  for (const name of created) removeUser(name);
});

function removeUser(name: string): void {
  created.delete(name);
  rmSync(`/etc/sudoers.d/${name}`, { force: true });
  try {
    execFileSync('pkill', ['-KILL', '-u', name], { stdio: 'ignore' });
  } catch {
    // no processes left
  }
  try {
    execFileSync('userdel', ['-r', name], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

/** Creates a user that may sudo: without a password (`password` undefined), or with `password`. */
export function createTestUser(opts: { password?: string } = {}): TestUser {
  const name = `kcrtest${randomBytes(3).toString('hex')}`;
  execFileSync('useradd', ['-m', '-s', '/bin/sh', name]);
  created.add(name);
  // '*' (not '!'): sshd without PAM refuses '!'-locked accounts even for key logins.
  if (opts.password === undefined) execFileSync('usermod', ['-p', '*', name]);
  else execFileSync('chpasswd', { input: `${name}:${opts.password}\n` });
  const rule = opts.password === undefined ? `${name} ALL=(ALL) NOPASSWD: ALL\n` : `${name} ALL=(ALL) ALL\n`;
  writeFileSync(`/etc/sudoers.d/${name}`, `Defaults:${name} !lecture\n${rule}`, { mode: 0o440 });
  execFileSync('visudo', ['-c', '-q', '-f', `/etc/sudoers.d/${name}`]);
  return { name, remove: () => removeUser(name) };
}
