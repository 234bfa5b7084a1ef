/**
 * One scenario's live state inside the simulated Azure: its own copy of the resources, nodes
 * and pods, mutated by writes (rule PUT, cluster PUT, run-command scripts, pod deletes), so a
 * second read sees the change. ARM ids are case-insensitive, so every lookup is lowercased.
 */
import type { ArmResource, Scenario, ScenarioNode } from '../scenario/types.js';
import { newEtag } from './arm-http.js';

export interface ScenarioFaultState {
  method?: string;
  pattern: RegExp;
  status: number;
  code?: string;
  message?: string;
  remaining: number; // Infinity when the fault has no `times`
  retryAfter?: number;
}

const ETAGGED_TYPES = new Set(['microsoft.network/networksecuritygroups', 'microsoft.network/virtualnetworks', 'microsoft.network/routetables']);

export class Estate {
  readonly scenario: Scenario;
  readonly faults: ScenarioFaultState[];
  private readonly byId = new Map<string, ArmResource>();

  constructor(
    source: Scenario,
    readonly index: number,
  ) {
    // Each estate owns a deep copy: fixes applied through one server never leak into the source object.
    this.scenario = structuredClone(source);
    for (const r of this.scenario.resources) {
      if (ETAGGED_TYPES.has(r.type.toLowerCase()) && !r.etag) r.etag = newEtag();
      this.byId.set(r.id.toLowerCase(), r);
    }
    this.faults = (this.scenario.faults ?? []).map((f) => {
      const fault: ScenarioFaultState = { pattern: new RegExp(f.path, 'i'), status: f.status, remaining: f.times ?? Number.POSITIVE_INFINITY };
      if (f.method !== undefined) fault.method = f.method.toUpperCase();
      if (f.code !== undefined) fault.code = f.code;
      if (f.message !== undefined) fault.message = f.message;
      if (f.retryAfter !== undefined) fault.retryAfter = f.retryAfter;
      return fault;
    });
  }

  get title(): string {
    return this.scenario.title;
  }

  get latency(): { armMs: number; runCommandMs: number; kubectlMs: number } {
    const l = this.scenario.latency ?? {};
    return { armMs: l.armMs ?? 0, runCommandMs: l.runCommandMs ?? 0, kubectlMs: l.kubectlMs ?? 0 };
  }

  resource(id: string): ArmResource | undefined {
    return this.byId.get(id.toLowerCase());
  }

  resources(): readonly ArmResource[] {
    return this.scenario.resources;
  }

  /** Resources of a full type ("Microsoft.Network/networkSecurityGroups") in a subscription, optionally one resource group. */
  resourcesOfType(fullType: string, subscriptionId: string, resourceGroup?: string): ArmResource[] {
    const prefix = resourceGroup
      ? `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/`.toLowerCase()
      : `/subscriptions/${subscriptionId}/`.toLowerCase();
    const type = fullType.toLowerCase();
    return this.scenario.resources.filter((r) => r.type.toLowerCase() === type && r.id.toLowerCase().startsWith(prefix));
  }

  upsert(resource: ArmResource): void {
    const key = resource.id.toLowerCase();
    const existing = this.byId.get(key);
    if (existing) {
      const i = this.scenario.resources.indexOf(existing);
      this.scenario.resources[i] = resource;
    } else {
      this.scenario.resources.push(resource);
    }
    this.byId.set(key, resource);
  }

  hasSubscription(subscriptionId: string): boolean {
    const s = subscriptionId.toLowerCase();
    return (
      this.scenario.subscriptions.some((x) => x.subscriptionId.toLowerCase() === s) ||
      this.scenario.resources.some((r) => r.id.toLowerCase().startsWith(`/subscriptions/${s}/`))
    );
  }

  hasResourceGroup(subscriptionId: string, resourceGroup: string): boolean {
    const prefix = `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/`.toLowerCase();
    return this.scenario.resources.some((r) => r.id.toLowerCase().startsWith(prefix)) || this.scenario.nodes.some((n) => n.vmss.toLowerCase().startsWith(prefix));
  }

  nodesOf(vmssId: string): ScenarioNode[] {
    const key = vmssId.toLowerCase();
    return this.scenario.nodes.filter((n) => n.vmss.toLowerCase() === key);
  }

  node(vmssId: string, instanceId: string): ScenarioNode | undefined {
    const key = vmssId.toLowerCase();
    return this.scenario.nodes.find((n) => n.vmss.toLowerCase() === key && n.instanceId === instanceId);
  }

  nodeByIp(ip: string): ScenarioNode | undefined {
    return this.scenario.nodes.find((n) => n.privateIp === ip);
  }

  nodeByName(computerName: string): ScenarioNode | undefined {
    const key = computerName.toLowerCase();
    return this.scenario.nodes.find((n) => n.computerName.toLowerCase() === key);
  }

  /**
   * How strongly this estate owns a request path (lowercased): the length of the longest
   * resource id (or node scale set) that is the path or a prefix of it; 1 when the path is a
   * collection holding one of its resources; 0 when unrelated.
   */
  relevance(path: string): number {
    let best = 0;
    const consider = (idLower: string): void => {
      if (path === idLower || path.startsWith(`${idLower}/`)) best = Math.max(best, idLower.length);
      else if (best === 0 && idLower.startsWith(`${path}/`)) best = 1;
    };
    for (const key of this.byId.keys()) consider(key);
    for (const n of this.scenario.nodes) consider(n.vmss.toLowerCase());
    if (best === 0) {
      for (const s of this.scenario.subscriptions) consider(`/subscriptions/${s.subscriptionId.toLowerCase()}`);
      // a provider-level list (/subscriptions/{s}/providers/…) belongs to every estate in that subscription
      const m = /^\/subscriptions\/([^/]+)\/providers\//.exec(path);
      if (m && this.hasSubscription(m[1] as string)) best = 1;
    }
    return best;
  }
}
