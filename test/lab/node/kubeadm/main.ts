// The lab's kubeadm simulator (kubeadm-facts.md), started by the shim with KCRLAB_KUBEADM_VERSION.
import { execute } from './cobra.js';
import { kubeadmCommand } from './commands.js';
import { kubeadmVersion, processIo } from './env.js';

async function main(): Promise<number> {
  try {
    const version = kubeadmVersion();
    await execute(kubeadmCommand(version, processIo), process.argv.slice(2), processIo);
    return 0;
  } catch (err) {
    // kubeadmutil.CheckErr: the message, the stack-trace hint, exit 1.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message}\nTo see the stack trace of this error execute with --v=5 or higher\n`);
    return 1;
  }
}

process.exitCode = await main();
