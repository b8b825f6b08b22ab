// On `components: real` nodes the control plane is the real one, so the kubelet simulator also does
// the API work a real kubelet does with kubelet.conf (its node credentials): it keeps its Node Ready
// (status heartbeat and kube-node-lease Lease), creates a mirror pod per static pod (with the
// manifest's annotations, e.g. kubeadm's advertise-address one, which kubeadm reads), reports the
// status of the pods bound to it and finishes their deletion. A master first creates, with
// admin.conf, the objects `kubeadm init` leaves in a cluster (seed.json; create-if-absent), as the
// simulated API server does on simulated clusters.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { nodePaths } from '../common/paths.js';
import { readSeedFile } from '../components/apiserver/seed.js';
import { ApiClient, collectionPath } from './api-client.js';
import { klog } from './kubelet-log.js';
import { scanManifests, type StaticPod } from './manifest.js';
import { containers, isRunning, newestFirst, type ContainerRecord } from './store.js';

export interface NodeAgentConfig {
  nodeName: string;
  address: string;
  kubernetesVersion: string;
  runtime: 'docker' | 'containerd';
  role: 'master' | 'worker';
}

type Obj = {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: { phase?: string };
};

const MIRROR = 'kubernetes.io/config.mirror';
const microTime = (d = new Date()): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const seconds = (d = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class NodeAgent {
  private seeded = false;
  private registered = false;
  private readonly reported = new Map<string, string>();
  private readonly lastErrors = new Map<string, string>();

  constructor(private readonly cfg: NodeAgentConfig) {}

  async syncOnce(): Promise<void> {
    if (this.cfg.role === 'master' && !this.seeded) await this.step('seed', () => this.seed());
    let node: ApiClient;
    try {
      node = new ApiClient(nodePaths.kubeletConf);
    } catch (err) {
      this.error('credentials', `unable to load ${nodePaths.kubeletConf}: ${(err as Error).message}`);
      return;
    }
    await this.step('node status', () => this.heartbeat(node));
    await this.step('mirror pods', () => this.syncMirrorPods(node));
    await this.step('pods', () => this.syncBoundPods(node));
    // `lab up` waits for this, as `kubeadm init` returns only once the kubelet has registered the Node.
    if (!this.registered && this.seededOrWorker() && this.lastErrors.size === 0) {
      fs.writeFileSync(nodePaths.nodeRegistered, `${this.cfg.nodeName}\n`);
      this.registered = true;
    }
  }

  private seededOrWorker(): boolean {
    return this.cfg.role !== 'master' || this.seeded;
  }

  private async step(name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      if (this.lastErrors.delete(name)) klog('I', 'kubelet_node_status.go:71', `${name}: synced again`);
    } catch (err) {
      this.error(name, (err as Error).message);
    }
  }

  /** Logs an error once until it changes (the kubelet's log stays readable during long outages). */
  private error(key: string, message: string): void {
    if (this.lastErrors.get(key) === message) return;
    this.lastErrors.set(key, message);
    klog('E', 'kubelet.go:2263', `${key}: ${message}`);
  }

  private async seed(): Promise<void> {
    const admin = new ApiClient(path.join(nodePaths.kubernetesDir, 'admin.conf'));
    let created = 0;
    for (const raw of readSeedFile(nodePaths.seedJson)) {
      const obj = raw as Obj & { apiVersion: string; kind: string };
      const res = await admin.expect(
        [201, 409],
        'POST',
        collectionPath(obj.apiVersion, obj.kind, obj.metadata?.namespace),
        raw,
      );
      if (res.status === 201) created++;
    }
    this.seeded = true;
    klog('I', 'kcrlab', `seed: created ${created} objects (what kubeadm init leaves in a cluster)`);
  }

  private async heartbeat(api: ApiClient): Promise<void> {
    const name = encodeURIComponent(this.cfg.nodeName);
    const now = seconds();
    const condition = (type: string, status: string, reason: string, message: string): Record<string, string> => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    });
    const status = {
      status: {
        capacity: { cpu: '2', memory: '4030532Ki', pods: '110', 'ephemeral-storage': '41152812Ki' },
        allocatable: { cpu: '2', memory: '3928132Ki', pods: '110', 'ephemeral-storage': '37926431477' },
        conditions: [
          condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
          condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
          condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
        ],
        addresses: [
          { type: 'InternalIP', address: this.cfg.address },
          { type: 'Hostname', address: this.cfg.nodeName },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          kubeletVersion: `v${this.cfg.kubernetesVersion}`,
          kubeProxyVersion: `v${this.cfg.kubernetesVersion}`,
          containerRuntimeVersion: this.cfg.runtime === 'docker' ? 'docker://20.10.24' : 'containerd://1.6.20',
          operatingSystem: 'linux',
          architecture: 'amd64',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          kernelVersion: '',
          machineID: '',
          systemUUID: '',
          bootID: '',
        },
      },
    };
    const patch = (): Promise<unknown> =>
      api.expect([200], 'PATCH', `/api/v1/nodes/${name}/status`, status, 'application/merge-patch+json');
    const node = await api.request('GET', `/api/v1/nodes/${name}`);
    // Registration, as the kubelet does when its Node does not exist yet.
    if (node.status === 404)
      await api.expect([201, 409], 'POST', '/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: this.cfg.nodeName,
          labels: {
            'kubernetes.io/hostname': this.cfg.nodeName,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
          },
        },
      });
    await patch();
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
    const lease = await api.request('GET', leasePath);
    const spec = { holderIdentity: this.cfg.nodeName, leaseDurationSeconds: 40, renewTime: microTime() };
    if (lease.status === 404) {
      await api.expect([201, 409], 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.cfg.nodeName, namespace: 'kube-node-lease' },
        spec,
      });
    } else {
      const current = lease.body as Obj;
      await api.expect([200], 'PUT', leasePath, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: current.metadata,
        spec,
      });
    }
  }

  private async syncMirrorPods(api: ApiClient): Promise<void> {
    const pods = scanManifests(this.cfg.nodeName).pods;
    if (pods.length === 0) return;
    // NodeRestriction (1.20) admits a mirror pod only with a controller owner reference to its Node.
    const node = (await api.expect([200], 'GET', `/api/v1/nodes/${encodeURIComponent(this.cfg.nodeName)}`)).body as Obj;
    const owner = {
      apiVersion: 'v1',
      kind: 'Node',
      name: this.cfg.nodeName,
      uid: node.metadata?.uid ?? '',
      controller: true,
    };
    for (const pod of pods) {
      const podPath = `/api/v1/namespaces/${pod.namespace}/pods/${encodeURIComponent(pod.podName)}`;
      const existing = await api.request('GET', podPath);
      let mirror = existing.status === 200 ? (existing.body as Obj) : null;
      if (mirror && mirror.metadata?.annotations?.[MIRROR] !== pod.uid) {
        // The manifest changed: the kubelet deletes the old mirror pod and creates a new one.
        await api.expect([200, 404], 'DELETE', podPath, {
          gracePeriodSeconds: 0,
          preconditions: { uid: mirror.metadata?.uid },
        });
        this.reported.delete(pod.uid);
        mirror = null;
      }
      if (!mirror) {
        await api.expect([201, 409], 'POST', `/api/v1/namespaces/${pod.namespace}/pods`, this.mirrorPod(pod, owner));
        klog('I', 'mirror_client.go:62', `Creating a mirror pod for "${pod.podName}_${pod.namespace}(${pod.uid})"`);
      }
      const rec = newestFirst(containers.list().filter((c) => c.podUid === pod.uid && c.name === pod.containerName))[0];
      const running = rec !== undefined && isRunning(rec);
      const key = `${rec?.id ?? 'none'}/${running}`;
      if (this.reported.get(pod.uid) === key) continue;
      await api.expect(
        [200],
        'PATCH',
        `${podPath}/status`,
        this.podStatus(pod.containerName, pod.image, rec, running),
        'application/merge-patch+json',
      );
      this.reported.set(pod.uid, key);
    }
  }

  private mirrorPod(pod: StaticPod, owner: Record<string, unknown>): Record<string, unknown> {
    const doc = parse(fs.readFileSync(path.join(nodePaths.manifestsDir, path.posix.basename(pod.file)), 'utf8')) as {
      metadata?: { annotations?: Record<string, string> };
      spec?: Record<string, unknown>;
    };
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod.podName,
        namespace: pod.namespace,
        labels: pod.labels,
        ownerReferences: [owner],
        annotations: {
          ...(doc.metadata?.annotations ?? {}),
          'kubernetes.io/config.hash': pod.uid,
          [MIRROR]: pod.uid,
          'kubernetes.io/config.seen': new Date()
            .toISOString()
            .replace('Z', '000000Z')
            .replace(/(\.\d{9})\d*Z$/, '$1Z'),
          'kubernetes.io/config.source': 'file',
        },
      },
      spec: { ...(doc.spec ?? {}), nodeName: this.cfg.nodeName },
    };
  }

  private podStatus(
    container: string,
    image: string,
    rec: ContainerRecord | undefined,
    running: boolean,
  ): Record<string, unknown> {
    const now = seconds();
    const ready = running ? 'True' : 'False';
    const state =
      running && rec
        ? { running: { startedAt: seconds(new Date(rec.startedAt)) } }
        : { waiting: { reason: rec ? 'CrashLoopBackOff' : 'ContainerCreating' } };
    return {
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: now },
          { type: 'Ready', status: ready, lastTransitionTime: now },
          { type: 'ContainersReady', status: ready, lastTransitionTime: now },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        ],
        hostIP: this.cfg.address,
        podIP: this.cfg.address,
        podIPs: [{ ip: this.cfg.address }],
        startTime: now,
        containerStatuses: [
          {
            name: container,
            image,
            imageID: `docker-pullable://${image}`,
            ...(rec ? { containerID: `${this.cfg.runtime}://${rec.id}` } : {}),
            ready: running,
            started: running,
            restartCount: rec?.attempt ?? 0,
            state,
          },
        ],
      },
    };
  }

  /** Pods the scheduler bound here (not mirror pods): run (as far as the API sees), or finish deleting. */
  private async syncBoundPods(api: ApiClient): Promise<void> {
    const list = await api.expect(
      [200],
      'GET',
      `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${this.cfg.nodeName}`)}`,
    );
    const items = ((list.body as { items?: Obj[] }).items ?? []).filter((p) => !p.metadata?.annotations?.[MIRROR]);
    for (const pod of items) {
      const ns = pod.metadata?.namespace ?? 'default';
      const podPath = `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(pod.metadata?.name ?? '')}`;
      if (pod.metadata?.deletionTimestamp) {
        await api.expect([200, 404, 409], 'DELETE', podPath, {
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid },
        });
        continue;
      }
      if (pod.status?.phase === 'Running') continue;
      const first = ((pod.spec?.containers as { name?: string; image?: string }[] | undefined) ?? [])[0];
      const fake = {
        id: (pod.metadata?.uid ?? '').replace(/-/g, '').padEnd(64, '0'),
        startedAt: new Date().toISOString(),
        attempt: 0,
      } as ContainerRecord;
      await api.expect(
        [200],
        'PATCH',
        `${podPath}/status`,
        this.podStatus(first?.name ?? 'app', first?.image ?? '', fake, true),
        'application/merge-patch+json',
      );
    }
  }
}
