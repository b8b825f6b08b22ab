// The `inventory import` subcommand's flags (the work is in inventory-import.ts).
import type { Command } from 'commander';
import { collect } from './duration.js';
import { inventoryImport, type ImportFlags } from './inventory-import.js';
import type { CliDeps, CliIo } from './io.js';

const IMPORT_HELP = `
Reads clusters.platform.tkestack.io and machines.platform.tkestack.io from the TKEStack global
cluster with kubectl and writes an inventory of the clusters TKEStack built (global, Baremetal,
Edge), masters in TKEStack's order (machines[0] first). Imported clusters and clusters TKEStack is
changing are listed in a comment, with why. TKEStack's stored SSH passwords and keys are never
written: the inventory uses your --identity-file or --agent. Read-only on the cluster.

Examples:
  renew inventory import --from-host root@10.0.0.1 --identity-file ~/.ssh/id_ed25519 -o prod.yaml
  renew inventory import --kubeconfig /root/.kube/config --agent --include-workers   # on a global master`;

export function addInventoryImportCommand(
  inventory: Command,
  io: CliIo,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  inventory
    .command('import')
    .description('Writes an inventory from the TKEStack global cluster (its Cluster and Machine objects).')
    .option('--from-host <[user@]address[:port]>', 'run kubectl on this global master over SSH')
    .option(
      '--kubeconfig <file>',
      "kubeconfig for kubectl (on --from-host: a path there, default /root/.kube/config, TKEStack's token config; without: here, default kubectl's)",
    )
    .option('--identity-file <file>', 'your SSH private key: used for --from-host and written into the inventory')
    .option('--agent', 'use the ssh-agent at SSH_AUTH_SOCK, for --from-host and in the inventory')
    .option('--known-hosts <file>', 'known_hosts file (repeatable): for --from-host and in the inventory', collect)
    .option('--accept-new-host-keys', 'record an unknown host key of --from-host (a changed key is always refused)')
    .option('--become', 'run kubectl through sudo on --from-host (a non-root user)')
    .option('--include-workers', "also list each cluster's workers (Machine objects)")
    .option('-o, --output <file>', 'write the inventory here (default: stdout)')
    .option('--force', 'replace --output if it exists')
    .addHelpText('after', IMPORT_HELP)
    .action(async (flags: ImportFlags) => setExit(await inventoryImport(flags, io, deps)));
}
