// kubeadm's command line by version (kubeadm-facts.md §1): data, not if-ladders in modules.
import { atLeast, type KubeVersion } from './version.js';

/** Oldest kubeadm we drive: 1.15 is the first that renews the *.conf kubeconfigs. */
export const OLDEST_SUPPORTED: [number, number] = [1, 15];

export function isSupported(v: KubeVersion): boolean {
  return atLeast(v, OLDEST_SUPPORTED[0], OLDEST_SUPPORTED[1]);
}

/** `alpha certs` up to 1.19 (1.20 still has it but deprecated; 1.21 removed it), `certs` from 1.20. */
export function certsCommandPrefix(v: KubeVersion): string[] {
  return atLeast(v, 1, 20) ? ['certs'] : ['alpha', 'certs'];
}

export function renewAllArgs(v: KubeVersion): string[] {
  return [...certsCommandPrefix(v), 'renew', 'all'];
}

export function checkExpirationArgs(v: KubeVersion): string[] {
  return [...certsCommandPrefix(v), 'check-expiration'];
}
