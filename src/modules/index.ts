// The built-in modules, as a registry the CLI passes to the loader and the runner.
import { createRegistry, type ModuleRegistry } from '../playbook/registry.js';
import type { ModuleDefinition } from '../playbook/types.js';
import { assertModule } from './assert.js';
import { backupModule } from './backup.js';
import { clusterPreflightModule } from './cluster-preflight.js';
import { finishRenewalModule } from './finish-renewal.js';
import { kubeadmProvisionModule } from './kubeadm-provision.js';
import { kubeadmRenewModule } from './kubeadm-renew.js';
import { kubeconfigsModule } from './kubeconfigs.js';
import { kubeletClientCertModule } from './kubelet-client-cert.js';
import { nodeFactsModule } from './node-facts.js';
import { pauseModule } from './pause.js';
import { preflightModule } from './preflight.js';
import { pruneBackupsModule } from './prune-backups.js';
import { restartControlPlaneModule } from './restart-control-plane.js';
import { restartTkeApisModule } from './restart-tke-apis.js';
import { restoreBackupModule } from './restore-backup.js';
import { servedCertsModule } from './served-certs.js';
import { tkeCertsConfigMapModule } from './tke-certs-configmap.js';
import { waitHealthyModule } from './wait-healthy.js';

export const BUILTIN_MODULES: readonly ModuleDefinition[] = [
  assertModule,
  pauseModule,
  nodeFactsModule,
  preflightModule,
  clusterPreflightModule,
  kubeadmProvisionModule,
  backupModule,
  kubeadmRenewModule,
  kubeconfigsModule,
  restartControlPlaneModule,
  waitHealthyModule,
  finishRenewalModule,
  pruneBackupsModule,
  restoreBackupModule,
  kubeletClientCertModule,
  tkeCertsConfigMapModule,
  restartTkeApisModule,
  servedCertsModule,
];

export function builtinModules(): ModuleRegistry {
  return createRegistry(BUILTIN_MODULES);
}
