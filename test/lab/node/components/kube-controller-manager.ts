// kube-controller-manager stand-in: see control-plane-client.ts.
import { runControlPlaneClient } from './control-plane-client.js';

runControlPlaneClient({
  component: 'controllermanager',
  leaseName: 'kube-controller-manager',
  defaultSecurePort: 10257,
});
