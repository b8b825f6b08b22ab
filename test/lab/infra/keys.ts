// The lab's client key and each node's host key (ed25519, by ssh-keygen).
import fs from 'node:fs';
import { mustRun } from './proc.js';

/** Generates an ed25519 key pair at `file` (+ `.pub`) unless it exists; returns the public key line. */
export async function ensureKey(file: string, comment: string): Promise<string> {
  if (!fs.existsSync(file) || !fs.existsSync(`${file}.pub`)) {
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}.pub`, { force: true });
    await mustRun('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  }
  fs.chmodSync(file, 0o600);
  return fs.readFileSync(`${file}.pub`, 'utf8').trim();
}

/** Replaces the key at `file` with a new one; returns the new public key line. */
export async function newKey(file: string, comment: string): Promise<string> {
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.pub`, { force: true });
  return ensureKey(file, comment);
}

/** `ssh-ed25519 AAAA... comment` -> `ssh-ed25519 AAAA...` */
export const keyTypeAndBody = (pub: string): string => pub.split(/\s+/).slice(0, 2).join(' ');
