/**
 * The NSG fix for a blocked kubelet port: an inbound allow for TCP 10250 placed just above the
 * deny that drops it. kubectl logs/exec/port-forward reach the kubelet on 10250 through the
 * tunnel (Microsoft's "tunnel connectivity issues" troubleshooting article), so that is the only
 * port the rule opens.
 */
import { parseAddressPrefix } from './address-prefix.js';
import {
  MAX_CUSTOM_PRIORITY,
  MIN_CUSTOM_PRIORITY,
  validateSecurityRule,
  type NsgLike,
  type SecurityRuleLike,
} from './evaluate.js';

export const KUBELET_PORT = 10250;
export const DEFAULT_KUBELET_RULE_NAME = 'tunnel-doctor-allow-kubelet-10250';

/**
 * The highest free priority strictly lower than `below` (so a new allow there is evaluated before
 * the deny at `below`), within Azure's custom range 100-4096. Priorities are unique per direction
 * (Azure refuses two rules with the same priority and direction), so only that direction's rules
 * count as taken. Undefined when none is free: the caller should then propose editing the deny.
 */
export function findFreePriority(nsg: NsgLike, direction: 'Inbound' | 'Outbound', below: number): number | undefined {
  const taken = new Set(
    (nsg.securityRules ?? []).filter((rule) => rule.direction.toLowerCase() === direction.toLowerCase()).map((rule) => rule.priority),
  );
  const start = Math.min(Math.ceil(below) - 1, MAX_CUSTOM_PRIORITY);
  for (let priority = start; priority >= MIN_CUSTOM_PRIORITY; priority -= 1) {
    if (!taken.has(priority)) return priority;
  }
  return undefined;
}

export class FixRuleError extends Error {
  readonly userMessage: string;
  constructor(message: string) {
    super(message);
    this.name = 'FixRuleError';
    this.userMessage = message;
  }
}

function checkPrefixes(label: string, prefixes: readonly string[]): void {
  if (prefixes.length === 0) throw new FixRuleError(`the kubelet allow rule needs at least one ${label} prefix`);
  for (const prefix of prefixes) {
    try {
      parseAddressPrefix(prefix);
    } catch (error) {
      throw new FixRuleError(`${label} prefix ${(error as Error).message}`);
    }
  }
}

/** Inbound, Allow, Tcp, any source port, destination port 10250. One prefix goes in the singular
 * field and several in the plural one, as ARM stores them (setting both is refused). */
export function kubeletAllowRule(opts: {
  name?: string;
  priority: number;
  sourcePrefixes: string[];
  destinationPrefixes: string[];
}): SecurityRuleLike {
  checkPrefixes('source', opts.sourcePrefixes);
  checkPrefixes('destination', opts.destinationPrefixes);
  const [oneSource] = opts.sourcePrefixes;
  const [oneDestination] = opts.destinationPrefixes;
  const rule: SecurityRuleLike = {
    name: opts.name ?? DEFAULT_KUBELET_RULE_NAME,
    description: 'Tunnel Doctor: allow TCP 10250 (kubelet) so kubectl logs/exec work through the AKS tunnel',
    priority: opts.priority,
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: String(KUBELET_PORT),
    ...(opts.sourcePrefixes.length === 1 && oneSource !== undefined
      ? { sourceAddressPrefix: oneSource }
      : { sourceAddressPrefixes: [...opts.sourcePrefixes] }),
    ...(opts.destinationPrefixes.length === 1 && oneDestination !== undefined
      ? { destinationAddressPrefix: oneDestination }
      : { destinationAddressPrefixes: [...opts.destinationPrefixes] }),
  };
  const problems = validateSecurityRule(rule);
  if (problems.length > 0) throw new FixRuleError(`the kubelet allow rule is not valid: ${problems.join('; ')}`);
  return rule;
}
