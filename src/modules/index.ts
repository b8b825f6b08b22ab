// The built-in modules. Importing this file registers them; the CLI imports it once.
import { registerModule } from '../playbook/registry.js';
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
import { restartControlPlaneModule } from './restart-control-plane.js';
import { restartTkeApisModule } from './restart-tke-apis.js';
import { restoreBackupModule } from './restore-backup.js';
import { servedCertsModule } from './served-certs.js';
import { tkeCertsConfigMapModule } from './tke-certs-configmap.js';
import { waitHealthyModule } from './wait-healthy.js';

export function registerBuiltinModules(): void {
  registerModule(assertModule);
  registerModule(pauseModule);
  registerModule(nodeFactsModule);
  registerModule(preflightModule);
  registerModule(clusterPreflightModule);
  registerModule(kubeadmProvisionModule);
  registerModule(backupModule);
  registerModule(kubeadmRenewModule);
  registerModule(kubeconfigsModule);
  registerModule(restartControlPlaneModule);
  registerModule(waitHealthyModule);
  registerModule(finishRenewalModule);
  registerModule(restoreBackupModule);
  registerModule(kubeletClientCertModule);
  registerModule(tkeCertsConfigMapModule);
  registerModule(restartTkeApisModule);
  registerModule(servedCertsModule);
}

registerBuiltinModules();
