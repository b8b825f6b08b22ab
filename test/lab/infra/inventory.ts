// DIR/inventory.yaml in kube-cert-renew's own inventory format, and DIR/known_hosts.
import YAML from 'yaml';
import type { LabState } from './state.js';

export function inventoryYaml(state: LabState, mirrorUrl: string): string {
  const addr = new Map(state.nodes.map((n) => [n.name, n.address]));
  const host = (name: string): { name: string; address: string } => ({ name, address: addr.get(name) ?? '' });
  const doc = {
    defaults: {
      ssh: { user: 'root', port: 22, identityFile: 'id_ed25519', knownHostsFiles: ['known_hosts'] },
      kubeadm: { provision: 'none', mirrorUrl },
    },
    clusters: state.clusters.map((c) => ({
      name: c.name,
      type: c.type,
      kubernetesVersion: c.kubernetesVersion,
      runtime: c.runtime,
      masters: c.masters.map(host),
      workers: c.workers.map(host),
    })),
  };
  const text = new YAML.Document(doc);
  // Host entries on one line each, as in the documented format.
  YAML.visit(text, {
    Map(_, node) {
      if (node.items.some((p) => YAML.isScalar(p.key) && p.key.value === 'address')) node.flow = true;
    },
    Scalar(key, node) {
      if (key === 'value' && typeof node.value === 'string' && /^\d+\.\d+\.\d+$/.test(node.value))
        node.type = 'QUOTE_DOUBLE';
    },
  });
  YAML.visit(text, {
    Map(_, node) {
      const ssh = node.items.find((p) => YAML.isScalar(p.key) && (p.key.value === 'ssh' || p.key.value === 'kubeadm'));
      if (ssh && YAML.isMap(ssh.value)) ssh.value.flow = true;
    },
  });
  return `# Written by \`npm run lab -- up\` for the lab in this folder (slot ${state.slot}). Paths are relative to this file.\n${text.toString({ lineWidth: 0 })}`;
}

/** Plain (unhashed) entries by address, one per node. */
export function knownHosts(entries: { address: string; hostKey: string }[]): string {
  return entries.map((e) => `${e.address} ${e.hostKey}\n`).join('');
}
