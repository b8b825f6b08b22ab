// kube-scheduler stand-in: see control-plane-client.ts.
import { runControlPlaneClient } from './control-plane-client.js';

runControlPlaneClient({ component: 'server', leaseName: 'kube-scheduler', defaultSecurePort: 10259 });
