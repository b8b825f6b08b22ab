// Ansible as an operator would run it today: ansible-core from Debian's packages, the lab's nodes
// as an INI inventory with the lab's key and known_hosts, and a playbook with one shell task per
// host that prints the end date of every certificate file and kubeconfig (ENDDATES_SCRIPT).
// Ansible's best case: no fact gathering, the Python interpreter named (no discovery), pipelining
// on (one SSH session per host and task). No ControlPersist: every run connects afresh, like the
// tool and the floor; a persistent master left by one run would make the next one cheaper.
// Results are read from ansible-core's own `ansible.builtin.tree` callback (one JSON file per host
// in a folder), not from the `json` stdout callback: that one lives in the ansible.posix collection,
// which Debian's ansible-core does not include ("Invalid callback for stdout specified: json").
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ENDDATES_SCRIPT } from './cert-files.js';
import { run } from './lab.js';

export interface AnsibleSetup {
  available: boolean;
  /** What was done or why it is missing, for the report. */
  note: string;
  version?: string;
}

/** Finds ansible-playbook; without it, installs ansible-core from Debian (root and apt-get needed). */
export async function ensureAnsible(log: (line: string) => void): Promise<AnsibleSetup> {
  const version = async (): Promise<string | undefined> => {
    const res = await run('ansible-playbook', ['--version']);
    const m = /core ([\d.]+)/.exec(res.stdout);
    return res.code === 0 ? (m?.[1] ?? res.stdout.split('\n')[0]) : undefined;
  };
  const found = await version();
  if (found) return { available: true, note: 'ansible-playbook found on PATH', version: found };
  if (process.getuid?.() !== 0)
    return {
      available: false,
      note: 'ansible-playbook missing and not root: install it with `apt-get install -y ansible-core`',
    };
  log('ansible-playbook missing: installing ansible-core from Debian (apt-get install -y ansible-core)');
  let res = await run('apt-get', ['install', '-y', '--no-install-recommends', 'ansible-core'], {
    DEBIAN_FRONTEND: 'noninteractive',
  });
  if (res.code !== 0) {
    log('apt-get install failed; running apt-get update first');
    await run('apt-get', ['update'], { DEBIAN_FRONTEND: 'noninteractive' });
    res = await run('apt-get', ['install', '-y', '--no-install-recommends', 'ansible-core'], {
      DEBIAN_FRONTEND: 'noninteractive',
    });
  }
  const installed = await version();
  if (!installed)
    return {
      available: false,
      note: `could not install ansible-core: ${res.stderr.trim().split('\n').slice(-1)[0] ?? ''}`,
    };
  return { available: true, note: 'installed by the bench with `apt-get install -y ansible-core`', version: installed };
}

export interface AnsibleHost {
  name: string;
  address: string;
}

export interface AnsibleFiles {
  inventory: string;
  playbook: string;
  config: string;
}

/** INI inventory (one group), playbook and ansible.cfg in `dir`, for `forks` processes at once. */
export async function writeAnsibleFiles(
  dir: string,
  hosts: AnsibleHost[],
  lab: { identityFile: string; knownHosts: string },
  forks: number,
): Promise<AnsibleFiles> {
  const files: AnsibleFiles = {
    inventory: path.join(dir, 'hosts.ini'),
    playbook: path.join(dir, 'enddates.yaml'),
    config: path.join(dir, 'ansible.cfg'),
  };
  const inventory = [
    '[fleet]',
    ...hosts.map((h) => `${h.name} ansible_host=${h.address}`),
    '',
    '[fleet:vars]',
    'ansible_user=root',
    `ansible_ssh_private_key_file=${lab.identityFile}`,
    `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHosts} -o StrictHostKeyChecking=yes'`,
    'ansible_python_interpreter=/usr/bin/python3',
    '',
  ].join('\n');
  const indented = ENDDATES_SCRIPT.split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
  const playbook = `- name: Certificate end dates
  hosts: fleet
  gather_facts: false
  tasks:
    - name: openssl x509 -enddate over every certificate file and kubeconfig
      ansible.builtin.shell: |
${indented}
      changed_when: false
`;
  const config = [
    '[defaults]',
    `forks = ${forks}`,
    'host_key_checking = True',
    'gathering = explicit',
    'retry_files_enabled = False',
    // The default stdout callback (one line per host) and the builtin tree callback for the results.
    'callbacks_enabled = ansible.builtin.tree',
    `local_tmp = ${path.join(dir, 'tmp')}`,
    '',
    '[ssh_connection]',
    'pipelining = True',
    'ssh_args = -o ControlMaster=no -o ControlPersist=no',
    '',
  ].join('\n');
  await writeFile(files.inventory, inventory);
  await writeFile(files.playbook, playbook);
  await writeFile(files.config, config);
  return files;
}

/** Empties the tree callback's folder before a run, so only that run's results are counted. */
export async function clearTree(treeDir: string): Promise<void> {
  await rm(treeDir, { recursive: true, force: true });
}

/** Per host, the number of end dates in the tree callback's folder (the proof it did the work). */
export async function ansibleEndDates(treeDir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const names = await readdir(treeDir).catch(() => [] as string[]);
  for (const host of names) {
    const result = JSON.parse(await readFile(path.join(treeDir, host), 'utf8')) as { stdout?: string; rc?: number };
    counts.set(host, endDateCount(result));
  }
  return counts;
}

/** End dates printed by one host's task result (-1 when the task failed). */
export function endDateCount(result: { stdout?: string; rc?: number }): number {
  return result.rc === 0 ? (result.stdout ?? '').split('\n').filter((l) => l.includes('notAfter=')).length : -1;
}
