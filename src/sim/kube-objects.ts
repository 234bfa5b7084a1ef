/**
 * Kubernetes objects rendered from scenario pods and nodes, the way the API server returns them
 * to `kubectl get … -o json` and the way kubectl prints them as tables (tabwriter, three spaces
 * between columns).
 */
import { createHash } from 'node:crypto';
import type { ScenarioNode, ScenarioPod } from '../scenario/types.js';

type Json = Record<string, any>;

/** When a pod was created: scenario pods "three hours ago", recreated pods when they were recreated. */
const createdAt = new WeakMap<ScenarioPod, Date>();
const SIM_EPOCH = new Date(Date.now() - 3 * 3600_000);

export function podCreatedAt(pod: ScenarioPod): Date {
  return createdAt.get(pod) ?? SIM_EPOCH;
}

export function markPodCreated(pod: ScenarioPod, at: Date): void {
  createdAt.set(pod, at);
}

function uidOf(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The container name: the app label, else the pod name without its ReplicaSet/pod hash suffixes. */
export function containerNameOf(pod: ScenarioPod): string {
  const label = pod.labels?.app ?? pod.labels?.['k8s-app'] ?? pod.labels?.component;
  if (label) return label;
  const parts = pod.name.split('-');
  return parts.length > 2 ? parts.slice(0, -2).join('-') : pod.name;
}

/** ReplicaSet owner from a Deployment-style name (prefix-<rs hash>-<pod hash>). */
function ownerOf(pod: ScenarioPod): Json[] {
  const parts = pod.name.split('-');
  if (parts.length < 3) return [];
  const rs = parts.slice(0, -1).join('-');
  return [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: uidOf(`rs/${pod.namespace}/${rs}`), controller: true, blockOwnerDeletion: true }];
}

function podIp(pod: ScenarioPod, nodes: readonly ScenarioNode[], index: number): string | undefined {
  const nodeIndex = nodes.findIndex((n) => n.computerName === pod.node);
  if (nodeIndex < 0) return undefined;
  return `10.244.${nodeIndex}.${10 + (index % 240)}`;
}

function isReady(pod: ScenarioPod): boolean {
  return pod.phase === 'Running' && !pod.waitingReason;
}

/**
 * The parts of a pod the API server returns that the bot never reads, at their real size: the
 * projected service-account volume every pod gets, mounts, probes, env, and for DaemonSet pods (the
 * bulk of kube-system: one per node each) the tolerations and node affinity the DaemonSet
 * controller adds (Kubernetes docs, "DaemonSet": "Taints and tolerations", "How Daemon Pods are
 * scheduled"). kubectl 1.21+ leaves managedFields out of -o json. A kube-system pod prints as about
 * 12 kB of JSON (kubectl indents by four), which is what makes a full `kubectl get pods -n kube-system -o json` pass AKS command
 * invoke's 512 kB at a few dozen nodes.
 */
function podBulk(pod: ScenarioPod, container: string, uid: string): { spec: Json; annotations: Json } {
  const daemon = !/-[a-z0-9]{8,10}-[a-z0-9]{5}$/.test(pod.name);
  const token = `kube-api-access-${uid.slice(0, 5)}`;
  const tolerations: Json[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', ...(daemon ? {} : { tolerationSeconds: 300 }) },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(daemon ? {} : { tolerationSeconds: 300 }) },
    ...(daemon
      ? ['disk-pressure', 'memory-pressure', 'pid-pressure', 'unschedulable', 'network-unavailable'].map((t) => ({ key: `node.kubernetes.io/${t}`, operator: 'Exists', effect: 'NoSchedule' }))
      : []),
    { key: 'CriticalAddonsOnly', operator: 'Exists' },
  ];
  const spec: Json = {
    volumes: [
      { name: 'kubeconfig', hostPath: { path: '/var/lib/kubelet/kubeconfig', type: 'FileOrCreate' } },
      {
        name: token,
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
          defaultMode: 420,
        },
      },
    ],
    containerExtras: {
      command: [`/usr/local/bin/${container}`],
      args: ['--v=2', '--logtostderr=true', `--health-port=${10256 + (uid.charCodeAt(0) % 10)}`, '--metrics-bind-address=0.0.0.0:10249'],
      env: [
        { name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
        { name: 'KUBERNETES_PORT_443_TCP_ADDR', value: 'aks-api.hcp.eastus.azmk8s.io' },
        { name: 'KUBERNETES_SERVICE_HOST', value: 'aks-api.hcp.eastus.azmk8s.io' },
      ],
      ports: [{ name: 'metrics', containerPort: 10249, protocol: 'TCP' }],
      livenessProbe: { httpGet: { path: '/healthz', port: 10256, scheme: 'HTTP' }, initialDelaySeconds: 10, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
      volumeMounts: [
        { name: 'kubeconfig', readOnly: true, mountPath: '/var/lib/kubelet/kubeconfig' },
        { name: token, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
      ],
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      securityContext: { privileged: daemon, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
    },
    dnsPolicy: daemon ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
    hostNetwork: daemon,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 2000001000,
    schedulerName: 'default-scheduler',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    tolerations,
    ...(daemon && pod.node
      ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod.node] }] }] } } } }
      : {}),
    nodeSelector: { 'kubernetes.io/os': 'linux' },
  };
  const annotations: Json = {
    'kubernetes.azure.com/managedby': 'aks',
    'cluster-autoscaler.kubernetes.io/daemonset-pod': daemon ? 'true' : undefined,
    'kubectl.kubernetes.io/restartedAt': undefined,
  };
  return { spec, annotations };
}

export function podJson(pod: ScenarioPod, nodes: readonly ScenarioNode[], index: number): Json {
  const node = nodes.find((n) => n.computerName === pod.node);
  const container = containerNameOf(pod);
  const started = podCreatedAt(pod).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const image = container === 'konnectivity-agent' ? 'mcr.microsoft.com/oss/kubernetes/apiserver-network-proxy/agent:v0.30.3-hotfix.20240819' : `mcr.microsoft.com/oss/kubernetes/${container}:latest`;
  let state: Json;
  if (pod.waitingReason) state = { waiting: { reason: pod.waitingReason, message: pod.waitingReason === 'CrashLoopBackOff' ? `back-off 5m0s restarting failed container=${container} pod=${pod.name}_${pod.namespace}(${uidOf(pod.name)})` : undefined } };
  else if (pod.phase === 'Running') state = { running: { startedAt: started } };
  else if (pod.phase === 'Pending') state = { waiting: { reason: 'ContainerCreating' } };
  else state = { terminated: { reason: pod.phase === 'Succeeded' ? 'Completed' : 'Error', exitCode: pod.phase === 'Succeeded' ? 0 : 1, finishedAt: started } };
  const last = pod.lastTermination;
  const lastState: Json = last
    ? { terminated: { reason: last.reason ?? 'Error', exitCode: last.exitCode ?? (last.reason === 'OOMKilled' ? 137 : 1), startedAt: started, finishedAt: last.finishedAt ?? started, containerID: `containerd://${uidOf(`${pod.name}/last`).replace(/-/g, '')}` } }
    : {};
  const ip = podIp(pod, nodes, index);
  const status: Json = {
    phase: pod.phase,
    conditions: [
      { type: 'Initialized', status: 'True', lastTransitionTime: started },
      { type: 'Ready', status: isReady(pod) ? 'True' : 'False', lastTransitionTime: started },
      { type: 'ContainersReady', status: isReady(pod) ? 'True' : 'False', lastTransitionTime: started },
      { type: 'PodScheduled', status: pod.node ? 'True' : 'False', lastTransitionTime: started },
    ],
    qosClass: pod.resources?.limits ? 'Burstable' : 'BestEffort',
    startTime: started,
    containerStatuses: [
      {
        name: container,
        image,
        imageID: '',
        ready: isReady(pod),
        started: pod.phase === 'Running',
        restartCount: pod.restarts ?? 0,
        state,
        lastState,
      },
    ],
  };
  if (node) status.hostIP = node.privateIp;
  if (ip) {
    status.podIP = ip;
    status.podIPs = [{ ip }];
  }
  const uid = uidOf(`pod/${pod.namespace}/${pod.name}`);
  const { spec: bulk, annotations } = podBulk(pod, container, uid);
  const { containerExtras, ...specBulk } = bulk;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      uid,
      annotations,
      resourceVersion: String(1000 + index),
      creationTimestamp: started,
      labels: pod.labels ?? {},
      ownerReferences: ownerOf(pod),
      ...(ownerOf(pod).length ? { generateName: `${pod.name.split('-').slice(0, -1).join('-')}-` } : {}),
    },
    spec: {
      containers: [{ name: container, image, ...containerExtras, resources: pod.resources ?? {}, imagePullPolicy: 'IfNotPresent' }],
      ...(pod.node ? { nodeName: pod.node } : {}),
      restartPolicy: 'Always',
      serviceAccountName: container,
      serviceAccount: container,
      priorityClassName: pod.namespace === 'kube-system' ? 'system-cluster-critical' : undefined,
      ...specBulk,
    },
    status,
  };
}

export function kubeList(items: Json[]): Json {
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
}

/** kubectl's relative age: 45s, 12m, 3h, 2d. */
export function age(from: Date, now = new Date()): string {
  const s = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** Columns separated by at least three spaces, as kubectl's tabwriter prints them. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function podStatusText(pod: ScenarioPod): string {
  if (pod.waitingReason) return pod.waitingReason;
  if (pod.phase === 'Pending') return 'ContainerCreating';
  if (pod.phase === 'Succeeded') return 'Completed';
  return pod.phase;
}

export function restartsText(pod: ScenarioPod, now = new Date()): string {
  const n = pod.restarts ?? 0;
  const finished = pod.lastTermination?.finishedAt ? new Date(pod.lastTermination.finishedAt) : undefined;
  if (n > 0 && finished && !Number.isNaN(finished.getTime()) && finished <= now) return `${n} (${age(finished, now)} ago)`;
  return String(n);
}

export function podTable(pods: ScenarioPod[], nodes: readonly ScenarioNode[], opts: { wide: boolean; allNamespaces: boolean; indexOf: (p: ScenarioPod) => number }): string {
  const header = [
    ...(opts.allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'READY',
    'STATUS',
    'RESTARTS',
    'AGE',
    ...(opts.wide ? ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] : []),
  ];
  const rows = pods.map((p) => [
    ...(opts.allNamespaces ? [p.namespace] : []),
    p.name,
    isReady(p) ? '1/1' : '0/1',
    podStatusText(p),
    restartsText(p),
    age(podCreatedAt(p)),
    ...(opts.wide ? [podIp(p, nodes, opts.indexOf(p)) ?? '<none>', p.node ?? '<none>', '<none>', '<none>'] : []),
  ]);
  return table(header, rows);
}

export function nodeJson(node: ScenarioNode, kubeletVersion: string): Json {
  const ready = node.powerState.toLowerCase() === 'running';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.computerName,
      labels: {
        'kubernetes.io/hostname': node.computerName,
        'kubernetes.io/os': node.osType === 'Windows' ? 'windows' : 'linux',
        'kubernetes.azure.com/agentpool': (node.vmss.split('/').pop() ?? '').replace(/^aks-/, '').split('-')[0] ?? '',
      },
      creationTimestamp: SIM_EPOCH.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
    spec: { providerID: `azure://${node.vmss}/virtualMachines/${node.instanceId}` },
    status: {
      addresses: [
        { type: 'InternalIP', address: node.privateIp },
        { type: 'Hostname', address: node.computerName },
      ],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown', reason: ready ? 'KubeletReady' : 'NodeStatusUnknown' }],
      nodeInfo: { kubeletVersion: `v${kubeletVersion}`, osImage: node.osType === 'Windows' ? 'Windows Server 2022 Datacenter' : 'Ubuntu 22.04.5 LTS', containerRuntimeVersion: 'containerd://1.7.22-1', operatingSystem: node.osType.toLowerCase() },
    },
  };
}
