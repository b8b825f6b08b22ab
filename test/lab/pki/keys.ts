// RSA 2048 keys made with Node's native generator (fast), kept in a pool. node-forge only builds
// certificate bodies here; signatures are made natively too (see certs.ts).
import crypto from 'node:crypto';
import forge from 'node-forge';

export interface LabKey {
  /** PKCS#1 "RSA PRIVATE KEY" PEM, as kubeadm writes keys. */
  privatePem: string;
  /** PKIX "PUBLIC KEY" PEM (sa.pub's format). */
  publicPem: string;
  publicKey: forge.pki.rsa.PublicKey;
}

export function keyFromPrivatePem(privatePem: string): LabKey {
  const privateKey = crypto.createPrivateKey(privatePem);
  const publicPem = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return {
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicPem,
    publicKey: forge.pki.publicKeyFromPem(publicPem) as forge.pki.rsa.PublicKey,
  };
}

export function generateKey(): LabKey {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return keyFromPrivatePem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
}

/** Fresh keys made ahead of time (warmKeyPool); each is handed out once. */
const fresh: LabKey[] = [];

/**
 * Generates `count` fresh keys on libuv's thread pool (in parallel, unlike the synchronous path), so
 * a later synchronous buildClusterFiles takes them instead of generating one at a time.
 */
export async function warmKeyPool(count: number): Promise<void> {
  const one = (): Promise<LabKey> =>
    new Promise((resolve, reject) => {
      crypto.generateKeyPair('rsa', { modulusLength: 2048 }, (err, _publicKey, privateKey) => {
        if (err) reject(err);
        else resolve(keyFromPrivatePem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()));
      });
    });
  fresh.push(...(await Promise.all(Array.from({ length: Math.max(0, count - fresh.length) }, one))));
}

/** Light fleets cycle through this many keys instead of generating one per certificate. */
const LIGHT_POOL_SIZE = 12;
const pool: LabKey[] = [];
let poolCursor = 0;

/**
 * A key for a new certificate. `reuse` (light mode) hands out pool keys round-robin, so a fleet of
 * any size costs at most LIGHT_POOL_SIZE generations; otherwise every call gets a fresh key.
 */
export function takeKey(reuse: boolean): LabKey {
  if (!reuse) return fresh.pop() ?? generateKey();
  if (pool.length < LIGHT_POOL_SIZE) {
    const key = generateKey();
    pool.push(key);
    return key;
  }
  const key = pool[poolCursor % pool.length] as LabKey;
  poolCursor += 1;
  return key;
}
