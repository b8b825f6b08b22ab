// /healthz, /livez and /readyz: the real endpoints' text format over the stand-in's checks. The
// etcd check probes the node's etcd with the apiserver-etcd-client certificate every second, so an
// expired or wrong client certificate leaves the apiserver unready, as a real one is.
import type { EtcdClient } from '../etcd-client.js';
import { errorMessage, type Klog } from '../klog.js';

export type HealthEndpoint = 'healthz' | 'livez' | 'readyz';

interface Check {
  name: string;
  endpoints: HealthEndpoint[];
  failure: () => string | undefined; // undefined = passing
}

export interface HealthOptions {
  startedAtMs: number;
  /** Fault slowStartSeconds: not ready before this many seconds after start. */
  slowStartSeconds: number;
  /** Fault apiserverNotReadyNextStart: this instance never becomes ready. */
  neverReady: boolean;
}

export class ApiserverHealth {
  private etcdFailure: string | undefined = 'etcd not probed yet';
  private seeded = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly checks: Check[];

  constructor(
    private readonly etcd: EtcdClient,
    private readonly options: HealthOptions,
    private readonly log: Klog,
  ) {
    const all: HealthEndpoint[] = ['healthz', 'livez', 'readyz'];
    this.checks = [
      { name: 'ping', endpoints: all, failure: () => undefined },
      { name: 'etcd', endpoints: all, failure: () => this.etcdFailure },
      {
        name: 'poststarthook/kcrlab-seed-objects',
        endpoints: ['healthz', 'readyz'],
        failure: () => (this.seeded ? undefined : 'seed objects not yet created'),
      },
      {
        name: 'poststarthook/kcrlab-slow-start',
        endpoints: ['healthz', 'readyz'],
        failure: () => {
          const left = options.startedAtMs + options.slowStartSeconds * 1000 - Date.now();
          return left > 0 ? `slow start fault: ready in ${Math.ceil(left / 1000)} s` : undefined;
        },
      },
      {
        name: 'kcrlab-fault-not-ready',
        endpoints: ['readyz'],
        failure: () =>
          options.neverReady ? 'fault apiserverNotReadyNextStart: this instance never becomes ready' : undefined,
      },
    ];
  }

  markSeeded(): void {
    this.seeded = true;
  }

  startProbing(intervalMs = 1000): void {
    const probe = async (): Promise<void> => {
      let failure: string | undefined;
      try {
        await this.etcd.range('health', { countOnly: true });
      } catch (err) {
        failure = `etcd: ${errorMessage(err)}`;
      }
      if (failure !== this.etcdFailure) {
        if (failure) this.log.error(`etcd health check failed: ${failure}`);
        else this.log.info('etcd health check passed');
      }
      this.etcdFailure = failure;
      this.timer = setTimeout(() => void probe(), intervalMs);
    };
    void probe();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  isReady(): boolean {
    return this.checks.every((c) => c.failure() === undefined);
  }

  /** The answer to GET /<endpoint>[/<check>][?verbose]. */
  respond(endpoint: HealthEndpoint, checkName: string, verbose: boolean): { status: number; body: string } | undefined {
    const checks = this.checks.filter((c) => c.endpoints.includes(endpoint));
    if (checkName) {
      const check = checks.find((c) => c.name === checkName);
      if (!check) return undefined;
      const failure = check.failure();
      return failure === undefined
        ? { status: 200, body: 'ok' }
        : { status: 500, body: `internal server error: ${failure}\n` };
    }
    const results = checks.map((c) => ({ name: c.name, failure: c.failure() }));
    const ok = results.every((r) => r.failure === undefined);
    if (ok && !verbose) return { status: 200, body: 'ok' };
    const lines = results.map((r) =>
      r.failure === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`,
    );
    lines.push(ok ? `${endpoint} check passed` : `${endpoint} check failed`);
    return { status: ok ? 200 : 500, body: `${lines.join('\n')}\n` };
  }
}
