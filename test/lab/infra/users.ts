// /etc/passwd, /etc/group, /etc/shadow of every node: the host's plus the two lab users.
import fs from 'node:fs';
import { mustRun } from './proc.js';

/** `kcradmin`: sudo without a password; `kcrsudo`: sudo with the password in DIR/sudo-password. */
export const labUsers = ['kcradmin', 'kcrsudo'] as const;
export type LabUser = (typeof labUsers)[number];

export interface UserFiles {
  passwd: string;
  group: string;
  shadow: string;
  uids: Record<LabUser, number>;
  shadowGid: number;
}

const withoutLabUsers = (text: string): string[] =>
  text.split('\n').filter((l) => l !== '' && !labUsers.some((u) => l.startsWith(`${u}:`)));

/** Builds the user files; `sudoPassword` is hashed with `openssl passwd -6` (read from stdin). */
export async function buildUserFiles(sudoPassword: string): Promise<UserFiles> {
  const passwd = withoutLabUsers(fs.readFileSync('/etc/passwd', 'utf8'));
  const group = withoutLabUsers(fs.readFileSync('/etc/group', 'utf8'));
  const shadow = withoutLabUsers(fs.readFileSync('/etc/shadow', 'utf8'));
  const usedUids = new Set(passwd.map((l) => Number(l.split(':')[2])));
  const usedGids = new Set(group.map((l) => Number(l.split(':')[2])));
  let next = 2001;
  const uids = {} as Record<LabUser, number>;
  for (const u of labUsers) {
    while (usedUids.has(next) || usedGids.has(next)) next++;
    uids[u] = next++;
  }
  const hash = (await mustRun('openssl', ['passwd', '-6', '-stdin'], { input: `${sudoPassword}\n` })).trim();
  // lastchg = today: 0 would force a password change at login.
  const today = Math.floor(Date.now() / 86_400_000);
  for (const u of labUsers) {
    passwd.push(`${u}:x:${uids[u]}:${uids[u]}:kcrlab ${u}:/home/${u}:/bin/bash`);
    group.push(`${u}:x:${uids[u]}:`);
  }
  // `*` (not `!`): no password login, but the account is not locked, so key logins work.
  shadow.push(`kcradmin:*:${today}:0:99999:7:::`);
  shadow.push(`kcrsudo:${hash}:${today}:0:99999:7:::`);
  const shadowGid = Number(group.find((l) => l.startsWith('shadow:'))?.split(':')[2] ?? 0);
  return {
    passwd: `${passwd.join('\n')}\n`,
    group: `${group.join('\n')}\n`,
    shadow: `${shadow.join('\n')}\n`,
    uids,
    shadowGid,
  };
}

export const sudoersFile = 'kcradmin ALL=(ALL:ALL) NOPASSWD: ALL\nkcrsudo ALL=(ALL:ALL) ALL\n';
