// The floor: the least a fleet check can do over SSH with the same library the tool uses (ssh2).
// Connects to every host (host key checked against known_hosts, key auth), runs ONE command that
// prints the certificate files and kubeconfigs, reads it all, disconnects; `--concurrency` hosts
// at once. No parsing, no sudo, no retries: the physical limit of the transport here.
//   node dist/test/bench/ssh2-floor.js --hosts hosts.json --key id_ed25519 --known-hosts known_hosts --concurrency 100
// hosts.json: [{ "name": "...", "address": "..." }]. Prints one JSON line: hosts, ok, bytes, wallMs.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from 'ssh2';
import { FLOOR_COMMAND } from './support/cert-files.js';

interface Target {
  name: string;
  address: string;
}

/** known_hosts lines `<address> <type> <base64>` (the lab writes plain, unhashed names). */
function knownKeys(file: string): Map<string, Buffer[]> {
  const keys = new Map<string, Buffer[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [names, , blob] = line.trim().split(/\s+/);
    if (!names || !blob || names.startsWith('#')) continue;
    for (const name of names.split(',')) keys.set(name, [...(keys.get(name) ?? []), Buffer.from(blob, 'base64')]);
  }
  return keys;
}

function readAll(target: Target, privateKey: Buffer, known: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let bytes = 0;
    client.on('error', (err) => reject(new Error(`${target.name}: ${err.message}`)));
    client.on('ready', () => {
      client.exec(FLOOR_COMMAND, (err, stream) => {
        if (err) {
          client.end();
          reject(new Error(`${target.name}: ${err.message}`));
          return;
        }
        stream.on('data', (d: Buffer) => (bytes += d.length));
        stream.stderr.on('data', () => {});
        stream.on('close', (code: number | null) => {
          client.end();
          if (code === 0) resolve(bytes);
          else reject(new Error(`${target.name}: exit ${code}`));
        });
      });
    });
    client.connect({
      host: target.address,
      port: 22,
      username: 'root',
      privateKey,
      readyTimeout: 60_000,
      hostVerifier: (key: Buffer) => known.some((k) => k.equals(key)),
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string' },
      key: { type: 'string' },
      'known-hosts': { type: 'string' },
      concurrency: { type: 'string' },
    },
  });
  if (!values.hosts || !values.key || !values['known-hosts'] || !values.concurrency)
    throw new Error('usage: --hosts FILE --key FILE --known-hosts FILE --concurrency N');
  const targets = JSON.parse(readFileSync(values.hosts, 'utf8')) as Target[];
  const privateKey = readFileSync(values.key);
  const known = knownKeys(values['known-hosts']);
  const concurrency = Number(values.concurrency);
  const started = Date.now();
  let next = 0;
  let bytes = 0;
  let ok = 0;
  const failures: string[] = [];
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const target = targets[next++]!;
      try {
        // Not `bytes += await ...`: that reads `bytes` before the await and loses the other workers' sums.
        const read = await readAll(target, privateKey, known.get(target.address) ?? []);
        bytes += read;
        ok++;
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  process.stdout.write(
    `${JSON.stringify({ hosts: targets.length, ok, bytes, wallMs: Date.now() - started, failures })}\n`,
  );
  process.exitCode = failures.length === 0 ? 0 : 2;
}

main().catch((err: Error) => {
  process.stderr.write(`ssh2-floor: ${err.message}\n`);
  process.exitCode = 1;
});
