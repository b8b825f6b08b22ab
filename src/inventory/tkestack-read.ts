// Reads clusters.platform.tkestack.io and machines.platform.tkestack.io with kubectl (run locally or
// on a global master: the caller gives the runner). kubectl's stdout holds TKEStack's stored SSH
// passwords and keys (nothing redacts them on read): it is parsed here and never logged or kept.
// A global cluster whose certificates expired cannot answer; that gets one line saying what to do.
import { StepError } from '../errors.js';
import { clusterOf, listItems, workerOf, type TkeCluster, type TkeWorker } from './tkestack-objects.js';

export interface KubectlResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** Runs `kubectl <args>` with the chosen kubeconfig. */
export type KubectlRunner = (args: readonly string[]) => Promise<KubectlResult>;

export interface TkeFleet {
  clusters: TkeCluster[];
  machines: TkeWorker[];
}

const EXPIRED_HINT =
  'an expired global cluster cannot list its clusters: renew the global cluster first with an inventory of its masters written by hand (docs/tkestack.md, "The global cluster has expired"), then import again';

/** The one line for a kubectl failure: what it means on TKEStack, and what to do. */
export function explainKubectlFailure(stderr: string, source: string): StepError {
  const line =
    stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? 'no error text';
  const said = line.length > 200 ? `${line.slice(0, 197)}...` : line;
  const ctx = { step: 'inventory import' };
  if (/x509: certificate has expired/i.test(stderr))
    return new StepError(
      `the global cluster's certificates have expired (kubectl via ${source}: ${said})`,
      ctx,
      EXPIRED_HINT,
    );
  if (/x509: .*(not yet valid|current time .* is before)/i.test(stderr))
    return new StepError(
      `a certificate of the global cluster is not yet valid: a clock is wrong (kubectl via ${source}: ${said})`,
      ctx,
      'fix the clock of this machine or of the global masters (TKEStack issue #1824), then import again',
    );
  if (/currently unable to handle the request|ServiceUnavailable|503/i.test(stderr))
    return new StepError(
      `the global cluster's API server answers but cannot reach tke-platform-api (kubectl via ${source}: ${said})`,
      ctx,
      `its front-proxy-client certificate may have expired, or tke-platform-api is down (kubectl -n tke get pods); ${EXPIRED_HINT}`,
    );
  if (/doesn't have a resource type|no matches for kind|NotFound/i.test(stderr))
    return new StepError(
      `this is not a TKEStack global cluster: it serves no clusters.platform.tkestack.io (kubectl via ${source}: ${said})`,
      ctx,
      'point --from-host or --kubeconfig at a master of the global cluster',
    );
  if (/connection refused|Unable to connect|i\/o timeout|no route to host/i.test(stderr))
    return new StepError(
      `the global cluster's API server cannot be reached (kubectl via ${source}: ${said})`,
      ctx,
      `check that kube-apiserver runs on the global masters; if its certificates expired it may not; ${EXPIRED_HINT}`,
    );
  return new StepError(`kubectl via ${source} failed: ${said}`, ctx, 'run the same kubectl by hand to see why');
}

async function getList(kubectl: KubectlRunner, resource: string, source: string): Promise<unknown[]> {
  const res = await kubectl(['get', resource, '-o', 'json', '--request-timeout=30s']);
  if (res.exitCode !== 0) throw explainKubectlFailure(res.stderr, source);
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.stdout);
  } catch {
    // Never show the text: it may hold TKEStack's secrets.
    throw new StepError(`kubectl get ${resource} via ${source} did not print JSON`, { step: 'inventory import' });
  }
  return listItems(parsed, resource);
}

export async function readTkeFleet(kubectl: KubectlRunner, source: string): Promise<TkeFleet> {
  const clusters = (await getList(kubectl, 'clusters.platform.tkestack.io', source)).map(clusterOf);
  const machines = (await getList(kubectl, 'machines.platform.tkestack.io', source)).map(workerOf);
  return { clusters, machines };
}
