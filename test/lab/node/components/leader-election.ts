// client-go leaderelection as kube-controller-manager and kube-scheduler run it (resourceLock
// "leases", LeaseDuration 15 s, RenewDeadline 10 s, RetryPeriod 2 s): every retry period a
// candidate reads the Lease kube-system/<name> and takes it when it is absent or has not changed
// for a lease duration; the leader renews it, and gives up (the component exits) when it cannot
// renew within the renew deadline. Its healthz adaptor fails only on the leader, and only when
// the last renewal is older than LeaseDuration + 20 s (NewLeaderHealthzAdaptor(20 * time.Second)).
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { requestJson, type ApiResponse } from './api-request.js';
import type { KubeconfigCredentials } from './kubeconfig.js';

export const leaseDurationMs = 15_000;
export const renewDeadlineMs = 10_000;
export const retryPeriodMs = 2_000;
const maxTolerableExpiredLeaseMs = 20_000;

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export interface LeaderElectionEvents {
  onError(message: string): void;
  onStartedLeading(): void;
  /** The leader could not renew within the renew deadline (real components exit here). */
  onStoppedLeading(): void;
}

export class LeaderElector {
  readonly identity = `${os.hostname()}_${randomUUID()}`;
  private leader = false;
  /** When this candidate last saw the lease record change (or renewed it). */
  private observedMs = 0;
  private observedRecord = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly creds: KubeconfigCredentials,
    private readonly leaseName: string,
    private readonly events: LeaderElectionEvents,
  ) {}

  isLeader(): boolean {
    return this.leader;
  }

  /** The healthz check: null when healthy. */
  healthError(now = Date.now()): string | null {
    if (!this.leader) return null;
    if (now - this.observedMs > leaseDurationMs + maxTolerableExpiredLeaseMs)
      return `failed election to renew leadership on lease ${this.leaseName}`;
    return null;
  }

  start(): void {
    const step = async (): Promise<void> => {
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.events.onError(err instanceof Error ? err.message : String(err));
        return false;
      });
      if (this.leader && !ok && Date.now() - this.observedMs > renewDeadlineMs) {
        this.leader = false;
        this.events.onError(`failed to renew lease kube-system/${this.leaseName}: timed out waiting for the condition`);
        this.events.onStoppedLeading();
        return;
      }
      this.timer = setTimeout(() => void step(), retryPeriodMs);
    };
    void step();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private path(name = this.leaseName): string {
    return `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const spec: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: leaseDurationMs / 1000,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    const got = await this.call('GET', this.path());
    if (got.status === 404) {
      const created = await this.call(
        'POST',
        '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
        this.lease(spec),
      );
      if (created.status !== 201)
        throw new Error(`error initially creating leader election record: HTTP ${created.status}`);
      this.took(now, created.body);
      return true;
    }
    if (got.status !== 200)
      throw new Error(
        `error retrieving resource lock kube-system/${this.leaseName}: HTTP ${got.status}: ${got.text.slice(0, 200)}`,
      );
    const current = got.body as Lease;
    const record = JSON.stringify(current.spec ?? {});
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedMs = now;
    }
    const holder = current.spec?.holderIdentity ?? '';
    if (holder !== '' && holder !== this.identity && this.observedMs + leaseDurationMs > now) return false;
    if (holder === this.identity) {
      spec.acquireTime = current.spec?.acquireTime ?? spec.acquireTime;
      spec.leaseTransitions = current.spec?.leaseTransitions ?? 0;
    } else {
      spec.leaseTransitions = (current.spec?.leaseTransitions ?? 0) + 1;
    }
    const updated = await this.call('PUT', this.path(), { ...this.lease(spec), metadata: { ...current.metadata } });
    if (updated.status !== 200)
      throw new Error(`Failed to update lock: HTTP ${updated.status}: ${updated.text.slice(0, 200)}`);
    this.took(now, updated.body);
    return true;
  }

  private took(now: number, body: unknown): void {
    this.observedRecord = JSON.stringify((body as Lease).spec ?? {});
    this.observedMs = now;
    if (!this.leader) {
      this.leader = true;
      this.events.onStartedLeading();
    }
  }

  private lease(spec: LeaseSpec): Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.leaseName, namespace: 'kube-system' },
      spec,
    };
  }

  private call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    return requestJson(this.creds, method, path, body, retryPeriodMs * 2);
  }
}
