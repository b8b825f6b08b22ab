// `npm run bench`: fleet check (the tool quick and --deep, Ansible, the ssh2 floor) over 10, 50, 100
// and 200 light lab nodes; a renewal of a 3-master cluster of the real 1.20.2 components split into
// waiting, kubeadm and the tool's own work; 10 clusters of 3 masters renewed at once. Prints one
// summary line per measure and writes the results into docs/benchmarks.md. Every lab it brings up
// is taken down, also on failure and on Ctrl-C. See docs/benchmarks.md for how to read the figures.
//   npm run build && npm run bench [-- --rounds 5 --budget-min 13 --sizes 10,50,100,200 --renewal-clusters 10
//     --no-ansible --no-renewal --no-fleet-renewal --no-fleet --no-doc]
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fleetSizes, measureFleet, type FleetResult } from './fleet.js';
import { measureFleetRenewal, type FleetRenewalResult } from './fleet-renewal.js';
import { measureRenewal, type RenewalResult } from './renewal.js';
import {
  REAL_RENEWAL_TOPOLOGY,
  lightFleetTopology,
  realComponentsCached,
  renewalFleetTopology,
  writeTopology,
} from './topologies.js';
import {
  fleetLines,
  fleetRenewalLines,
  fleetMarkdown,
  renewalLines,
  renewalMarkdown,
  replaceBlock,
  targetLines,
  type BenchResults,
  type MachineInfo,
} from './report.js';
import { ensureAnsible } from './support/ansible.js';
import { BenchLab, benchWorkDir, bundleScript, repoRoot, run } from './support/lab.js';
import { GNU_TIME } from './support/measure.js';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const labs = new Set<BenchLab>();

async function withLab<T>(
  workDir: string,
  name: string,
  topology: string,
  work: (lab: BenchLab) => Promise<T>,
): Promise<T> {
  const lab = BenchLab.create(workDir, name);
  labs.add(lab);
  try {
    const ms = await lab.up(topology);
    say(`lab ${name} up in ${(ms / 1000).toFixed(1)} s (${lab.dir})`);
    return await work(lab);
  } finally {
    await lab.down();
    labs.delete(lab);
    say(`lab ${name} down`);
  }
}

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the bench needs root (the lab uses network namespaces)';
  if (!existsSync('/usr/sbin/sshd') || !existsSync('/usr/bin/etcd'))
    return 'the lab needs openssh-server and etcd-server (run .ci/setup)';
  if (!existsSync(path.join(repoRoot, 'dist/test/lab/cli.js'))) return 'run `npm run build` first';
  return undefined;
}

async function machine(ansible: string, loadBefore: number[]): Promise<MachineInfo> {
  const ssh = await run('ssh', ['-V']);
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    loadBefore,
    loadAfter: os.loadavg(),
    node: process.version,
    ansible,
    openssh: (ssh.stderr || ssh.stdout).trim().split(',')[0] ?? 'unknown',
    kernel: os.release(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      sizes: { type: 'string', default: '10,50,100,200' },
      'renewal-clusters': { type: 'string', default: '10' },
      'no-ansible': { type: 'boolean', default: false },
      'no-renewal': { type: 'boolean', default: false },
      'no-fleet-renewal': { type: 'boolean', default: false },
      'no-fleet': { type: 'boolean', default: false },
      'no-doc': { type: 'boolean', default: false },
      // Runs past the first of each contestant and size are left out when they would end later.
      'budget-min': { type: 'string', default: '13' },
    },
  });
  const reason = unavailable();
  if (reason) {
    say(`bench: cannot run: ${reason}`);
    return 1;
  }
  const started = Date.now();
  const loadBefore = os.loadavg();
  const rounds = Math.max(1, Number(values.rounds));
  const sizes = values.sizes
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const workDir = benchWorkDir();
  say(
    `bench: work folder ${workDir}; load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores (shared machine)`,
  );
  if (!existsSync(GNU_TIME))
    say(
      `bench: ${GNU_TIME} missing (apt-get install -y time): peak RSS of the largest process and CPU not reported, only sampled PSS`,
    );

  // The tool is measured as users get it: the single-file bundle of the npm package, made from this
  // checkout now (it loads ~0.15 s of CPU faster than tsc's output: one file instead of hundreds).
  const bundled = await run(process.execPath, [bundleScript]);
  if (bundled.code !== 0) {
    say(`bench: cannot run: npm run bundle failed: ${bundled.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    return 1;
  }
  say(`bench: ${`${bundled.stdout}${bundled.stderr}`.trim().split('\n').slice(-1)[0] || 'bundle made'}`);

  let ansibleVersion = 'not used';
  let withAnsible = false;
  if (!values['no-ansible'] && !values['no-fleet']) {
    const a = await ensureAnsible(say);
    say(`bench: ansible: ${a.note}${a.version ? ` (ansible-core ${a.version})` : ''}`);
    withAnsible = a.available;
    ansibleVersion = a.version ?? `missing (${a.note})`;
  }

  // The renewals first (a fixed cost), then the fleet rounds until the budget says stop.
  let renewal: RenewalResult | undefined;
  let fleetRenewal: FleetRenewalResult | undefined;
  if (!values['no-renewal']) {
    // The real 1.20.2 components when the lab's build of them is cached (test/lab/real/build-kubernetes.sh);
    // otherwise the simulated ones of ha118.yaml, and the report says so.
    const real = realComponentsCached();
    if (!real)
      say(
        'bench: renewal: no cached build of the real Kubernetes components (test/lab/real/build-kubernetes.sh): simulated ha118.yaml',
      );
    const topology = real
      ? await writeTopology(workDir, 'real-renewal', REAL_RENEWAL_TOPOLOGY)
      : path.join(repoRoot, 'test/lab/topologies/ha118.yaml');
    const label = real
      ? '3-master global cluster of the real 1.20.2 components (kubeadm, kube-apiserver, controller-manager, scheduler, kubelet; real etcd)'
      : '3-master cluster `ha118.yaml`, simulated components (the real ones are not built here)';
    renewal = await withLab(workDir, 'renewal', topology, (lab) => measureRenewal(lab, workDir, label));
    for (const line of renewalLines(renewal)) say(line);
    if (!values['no-fleet-renewal']) {
      const clusters = Math.max(1, Number(values['renewal-clusters']));
      const file = await writeTopology(workDir, `renewal-fleet-${clusters}`, renewalFleetTopology(clusters));
      fleetRenewal = await withLab(workDir, 'renewal-fleet', file, (lab) =>
        measureFleetRenewal(lab, path.join(workDir, 'renewal-fleet-run'), clusters),
      );
      for (const line of fleetRenewalLines(fleetRenewal)) say(line);
    }
  }
  const fleet: FleetResult[] = [];
  if (!values['no-fleet']) {
    // Leaves time for the last runs, taking the lab down and writing the results.
    const deadline = started + Number(values['budget-min']) * 60_000 - 90_000;
    const lightNodes = Math.max(...sizes);
    const topology = await writeTopology(workDir, `light${lightNodes}`, lightFleetTopology(lightNodes));
    await withLab(workDir, 'fleet', topology, async (lab) => {
      const fleetPlan = fleetSizes(await lab.status(), sizes);
      for (const size of fleetPlan)
        say(
          `fleet check N=${size.n}: ${size.clusters.length} cluster(s), ${size.concurrency} hosts at once for every contestant`,
        );
      fleet.push(...(await measureFleet(lab, fleetPlan, rounds, workDir, withAnsible, deadline, say)));
    });
    for (const result of fleet) for (const line of fleetLines(result)) say(line);
  }

  const results: BenchResults = {
    machine: await machine(ansibleVersion, loadBefore),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    rounds,
    fleet,
    ...(renewal ? { renewal } : {}),
    ...(fleetRenewal ? { fleetRenewal } : {}),
    durationMs: Date.now() - started,
  };
  for (const line of targetLines(results)) say(line);
  await writeFile(path.join(workDir, 'results.json'), JSON.stringify(results, null, 2));
  // Each part rewrites only its own block of the doc: a partial run (--no-fleet) keeps the other.
  const sections = {
    fleet: values['no-fleet'] ? undefined : fleetMarkdown(results),
    renewal: values['no-renewal'] ? undefined : renewalMarkdown(results),
  };
  const tables = `${Object.values(sections).filter(Boolean).join('\n\n')}\n`;
  await writeFile(path.join(workDir, 'results.md'), tables);
  say('');
  say(tables);
  if (!values['no-doc']) {
    const docFile = path.join(repoRoot, 'docs/benchmarks.md');
    let doc = existsSync(docFile) ? await readFile(docFile, 'utf8') : '# Benchmarks\n';
    if (sections.fleet) doc = replaceBlock(doc, 'fleet', sections.fleet);
    if (sections.renewal) doc = replaceBlock(doc, 'renewal', sections.renewal);
    await writeFile(docFile, doc);
    say(`bench: results written to docs/benchmarks.md (and ${workDir}/results.{md,json})`);
  }
  say(`bench: done in ${((Date.now() - started) / 60000).toFixed(1)} min`);
  const failed =
    fleet.some((f) => f.results.some((r) => r.error)) || Boolean(renewal?.error) || Boolean(fleetRenewal?.error);
  return failed ? 2 : 0;
}

// Ctrl-C / SIGTERM: take the labs down before leaving.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    say(`bench: ${sig}: taking ${labs.size} lab(s) down`);
    void Promise.all([...labs].map((l) => l.down())).finally(() => process.exit(130));
  });
}

main().then(
  (code) => (process.exitCode = code),
  async (err: Error) => {
    say(`bench: failed: ${err.message}`);
    await Promise.all([...labs].map((l) => l.down()));
    process.exitCode = 1;
  },
);
