// What the Deployment and ReplicaSet controllers would do for the lab's TKE API deployments: keep
// spec.replicas Running pods named <deployment>-<pod-template-hash>-<5 random>, labelled from the
// template, so that deleting a pod makes a new one appear. Each apiserver of an HA cluster runs
// this; the create is an etcd transaction that fails if any pod of the namespace changed since
// the count was taken, so concurrent apiservers never create a replacement twice.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { prefixEnd } from '../etcd-client.js';
import { errorMessage, type Klog } from '../klog.js';
import { randomSuffix, safeAlphabet } from './objects.js';
import { byName, collectionPrefix, objectKey } from './resources.js';
import type { ObjectStore } from './store.js';
import { field, kubeTime, listField, type KubeObject } from './types.js';

const pods = byName('pods');
const deployments = byName('deployments');

export interface NodeIdentity {
  name: string;
  address: string;
}

/** A stable pod-template-hash for a deployment's template (10 characters of the safe alphabet). */
export function podTemplateHash(deployment: KubeObject): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(field(field(deployment, 'spec'), 'template')))
    .update(deployment.metadata.name ?? '')
    .digest();
  return Array.from(digest.subarray(0, 10), (b) => safeAlphabet[b % safeAlphabet.length]).join('');
}

function selectorOf(deployment: KubeObject): Record<string, string> {
  const matchLabels = field(field(field(deployment, 'spec'), 'selector'), 'matchLabels') as Record<string, string>;
  return Object.keys(matchLabels).length ? matchLabels : { app: deployment.metadata.name ?? '' };
}

const selects = (selector: Record<string, string>, pod: KubeObject): boolean =>
  Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v) && !pod.metadata.deletionTimestamp;

export function newPod(deployment: KubeObject, node: NodeIdentity): KubeObject {
  const hash = podTemplateHash(deployment);
  const deployName = deployment.metadata.name ?? '';
  const template = field(field(deployment, 'spec'), 'template');
  const templateSpec = field(template, 'spec');
  const now = kubeTime();
  const containers = listField(templateSpec, 'containers');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${deployName}-${hash}-${randomSuffix()}`,
      generateName: `${deployName}-${hash}-`,
      namespace: deployment.metadata.namespace ?? 'default',
      uid: randomUUID(),
      creationTimestamp: now,
      labels: {
        ...(field(field(template, 'metadata'), 'labels') as Record<string, string>),
        ...selectorOf(deployment),
        'pod-template-hash': hash,
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${deployName}-${hash}`,
          uid: deployment.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { ...templateSpec, nodeName: node.name },
    status: {
      phase: 'Running',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: 'True',
        lastTransitionTime: now,
      })),
      hostIP: node.address,
      podIP: node.address,
      startTime: now,
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        containerID: `docker://${randomBytes(32).toString('hex')}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      })),
    },
  };
}

export class ReplicaController {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly node: NodeIdentity,
    private readonly log: Klog,
  ) {}

  /** Reconciles now and then every `intervalMs`. */
  start(intervalMs = 3000): void {
    this.timer = setInterval(() => void this.reconcile(), intervalMs);
    void this.reconcile();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** After a pod was deleted: a replacement appears after `delayMs`, as a ReplicaSet's would. */
  scheduleReconcile(delayMs = 300): void {
    setTimeout(() => void this.reconcile(), delayMs);
  }

  async reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      const { items } = await this.store.list(deployments);
      for (const deployment of items) await this.reconcileDeployment(deployment);
    } catch (err) {
      this.log.warning(`replicaset controller: ${errorMessage(err)}`);
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        void this.reconcile();
      }
    }
  }

  private async reconcileDeployment(deployment: KubeObject): Promise<void> {
    const namespace = deployment.metadata.namespace ?? 'default';
    const want = Number(field(deployment, 'spec').replicas ?? 1);
    const { items, revision } = await this.store.list(pods, namespace);
    const selector = selectorOf(deployment);
    const missing = want - items.filter((p) => selects(selector, p)).length;
    if (missing <= 0) return;
    const created = Array.from({ length: missing }, () => newPod(deployment, this.node));
    const prefix = collectionPrefix(pods, namespace);
    const txn = await this.store.etcd.txn(
      [{ key: prefix, rangeEnd: prefixEnd(prefix), target: 'MOD', result: 'LESS', revision: revision + 1 }],
      created.map((pod) => ({
        put: { key: objectKey(pods, namespace, pod.metadata.name ?? ''), value: JSON.stringify(pod) },
      })),
    );
    if (txn.succeeded) {
      for (const pod of created)
        this.log.info(
          `replicaset controller: created pod ${namespace}/${pod.metadata.name} for deployment ${deployment.metadata.name}`,
        );
    } else {
      this.again = true; // another apiserver changed the pods first: count again
    }
  }
}
