/**
 * Chat text → a command. Everything a user types is untrusted: values are checked against Azure's own
 * naming rules here, so nothing that reaches the Azure layer (and never a shell) is free text.
 */

import type { ClusterTarget } from '../engine/find-cluster.js';

export type { ClusterTarget };

export type Command =
  | { kind: 'help' }
  | { kind: 'diagnose'; target: ClusterTarget }
  | { kind: 'audit'; cluster?: string }
  | { kind: 'refused'; reason: string; hint: string }
  | { kind: 'unrecognised'; text: string };

/** Longest message worth reading; Teams allows ~28 KB, a command is a line. */
export const MAX_COMMAND_LENGTH = 500;

// AKS: 1-63 characters, letters, digits, '-' and '_', starting and ending with a letter or digit.
const CLUSTER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
// Resource groups: 1-90 characters, letters, digits, '_', '-', '.', '(', ')'; not ending with '.'.
const RESOURCE_GROUP = /^[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Subscription display names: letters, digits, spaces, '-', '_', '.'; up to 64.
const SUBSCRIPTION_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
const CLUSTER_ID =
  /^\/subscriptions\/([0-9a-f-]{36})\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)$/i;

/** Characters that only make sense as an attempt at shell or markup injection. */
const SHELL_META = /[;|&`$<>\\"'{}*?!\n\r]/;

/** Teams wraps mentions in <at>…</at> and may send HTML entities and tags. */
export function stripTeamsMarkup(text: string): string {
  return text
    .replace(/<at>[^<]{0,200}<\/at>/gi, ' ')
    .replace(/<\/?(?:p|div|span|br)\s*\/?>/gi, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `"${ch}" (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

function refuse(reason: string, hint: string): Command {
  return { kind: 'refused', reason, hint };
}

const NAME_HINT =
  'AKS cluster names use only ASCII letters, digits, "-" and "_" (1-63 characters), e.g. "diagnose cluster aks-prod-eastus".';

/** The characters alone: names the first one no Azure name can hold. */
function checkCharacters(value: string, what: string, hint: string): Command | undefined {
  const nonAscii = [...value].find((ch) => (ch.codePointAt(0) ?? 0) > 0x7e || (ch.codePointAt(0) ?? 0) < 0x20);
  if (nonAscii !== undefined) {
    return refuse(`The ${what} contains ${describeChar(nonAscii)}, which is not a printable ASCII character (it may only look like one).`, hint);
  }
  const bad = value.match(SHELL_META)?.[0];
  if (bad !== undefined) return refuse(`The ${what} contains ${describeChar(bad)}, which Azure names never contain.`, hint);
  return undefined;
}

function checkValue(value: string, what: string, pattern: RegExp, hint: string): Command | undefined {
  const chars = checkCharacters(value, what, hint);
  if (chars) return chars;
  if (!pattern.test(value)) return refuse(`"${value.slice(0, 80)}" is not a valid ${what}.`, hint);
  return undefined;
}

export function parseCommand(raw: string): Command {
  if (raw.length > MAX_COMMAND_LENGTH * 4) {
    return refuse(`The message is ${raw.length} characters long; a command is one short line.`, 'Try "help" to see the commands.');
  }
  const text = stripTeamsMarkup(raw);
  if (text.length > MAX_COMMAND_LENGTH) {
    return refuse(`The message is ${text.length} characters long; a command is one short line.`, 'Try "help" to see the commands.');
  }
  const lower = text.toLowerCase();
  if (lower === '' || lower === 'help' || lower === '?' || lower === '/help') return { kind: 'help' };

  const audit = /^\/?audit\b\s*(.*)$/i.exec(text);
  if (audit) {
    const rest = (audit[1] ?? '').trim().replace(/^cluster\s+/i, '');
    if (rest === '') return { kind: 'audit' };
    // The same rules as for diagnose: a cluster name or a managed cluster id, nothing else.
    const as = parseCommand(`diagnose ${rest}`);
    if (as.kind === 'refused') return as;
    if (as.kind !== 'diagnose' || (as.target.by === 'name' && (as.target.resourceGroup || as.target.subscription))) {
      return refuse('"audit" takes one cluster name or id.', 'e.g. "audit cluster aks-prod-eastus", or "audit" for every cluster.');
    }
    return { kind: 'audit', cluster: as.target.by === 'id' ? as.target.id : as.target.name };
  }

  const m = /^\/?diagnose\b\s*(.*)$/i.exec(text);
  if (!m) return { kind: 'unrecognised', text };
  let rest = (m[1] ?? '').trim();
  if (rest === '' || /^cluster$/i.test(rest)) {
    return refuse('Which cluster? The command needs a cluster name.', 'e.g. "diagnose cluster aks-prod-eastus".');
  }

  // A full managedClusters resource id.
  if (rest.startsWith('/')) {
    const chars = checkCharacters(rest, 'resource id', NAME_HINT);
    if (chars) return chars;
    const id = CLUSTER_ID.exec(rest);
    if (!id) {
      return refuse(
        'That is not a managed cluster resource id.',
        'A cluster id looks like /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>.',
      );
    }
    const [, subscriptionId = '', resourceGroup = '', name = ''] = id;
    const bad =
      checkValue(subscriptionId, 'subscription id', GUID, 'A subscription id is a GUID.') ??
      checkValue(resourceGroup, 'resource group name', RESOURCE_GROUP, 'Resource group names use letters, digits, "_", "-", ".", "(" and ")".') ??
      checkValue(name, 'cluster name', CLUSTER_NAME, NAME_HINT);
    if (bad) return bad;
    return { kind: 'diagnose', target: { by: 'id', id: rest, subscriptionId, resourceGroup, name } };
  }

  rest = rest.replace(/^cluster\s+/i, '');
  let resourceGroup: string | undefined;
  let subscription: string | undefined;
  // Qualifiers may come in either order: "in resource group Y", "in rg Y", "in subscription S", "in sub S".
  for (;;) {
    const q = /\s+in\s+(resource\s*group|rg|subscription|sub)\s+(.+?)(?=\s+in\s+(?:resource\s*group|rg|subscription|sub)\s+|$)/i.exec(rest);
    if (!q) break;
    const kind = (q[1] ?? '').toLowerCase();
    const value = (q[2] ?? '').trim();
    if (kind === 'rg' || kind.startsWith('resource')) {
      if (resourceGroup !== undefined) return refuse('The resource group is named twice.', 'Name it once: "in resource group <group>".');
      resourceGroup = value;
    } else {
      if (subscription !== undefined) return refuse('The subscription is named twice.', 'Name it once: "in subscription <id or name>".');
      subscription = value;
    }
    rest = rest.slice(0, q.index) + rest.slice(q.index + q[0].length);
  }
  const name = rest.trim();
  const chars = checkCharacters(name, 'cluster name', NAME_HINT);
  if (chars) return chars;
  if (/\s/.test(name)) {
    return refuse(`"${name.slice(0, 80)}" is not one cluster name.`, 'e.g. "diagnose cluster aks-prod in resource group rg-prod".');
  }
  const bad =
    checkValue(name, 'cluster name', CLUSTER_NAME, NAME_HINT) ??
    (resourceGroup === undefined
      ? undefined
      : checkValue(resourceGroup, 'resource group name', RESOURCE_GROUP, 'Resource group names use letters, digits, "_", "-", ".", "(" and ")".')) ??
    (subscription === undefined
      ? undefined
      : GUID.test(subscription)
        ? undefined
        : checkValue(subscription, 'subscription', SUBSCRIPTION_NAME, 'Name the subscription by its id (a GUID) or its display name.'));
  if (bad) return bad;
  return {
    kind: 'diagnose',
    target: { by: 'name', name, ...(resourceGroup ? { resourceGroup } : {}), ...(subscription ? { subscription } : {}) },
  };
}
