/**
 * Chat text → a command. Everything a user types is untrusted: values are checked against Azure's own
 * naming rules here, so nothing that reaches the Azure layer (and never a shell) is free text.
 */

import type { ClusterTarget } from '../engine/find-cluster.js';
import { DEFAULT_INTERVAL_MINUTES, parseInterval } from '../engine/watch/interval.js';

export type { ClusterTarget };

export type Command =
  | { kind: 'help' }
  /** "hi", "hello", "你好": a short greeting back, not the whole help card. */
  | { kind: 'greeting' }
  | { kind: 'diagnose'; target: ClusterTarget }
  | { kind: 'audit'; cluster?: string }
  | { kind: 'watch'; target: ClusterTarget; intervalMinutes: number }
  | { kind: 'unwatch'; target: ClusterTarget }
  | { kind: 'watches' }
  | { kind: 'refused'; reason: string; hint: string; refusal?: CommandRefusal }
  | { kind: 'unrecognised'; text: string };

/** What a value in a command is, for refusals that name it. */
export type CommandValueKind = 'cluster name' | 'resource group name' | 'subscription id' | 'subscription' | 'resource id' | 'interval';

/**
 * Why a command was refused, as data: the app shows `reason`/`hint` (English) or translates this
 * (src/app/i18n). Optional: a refusal without a code is shown in English in every language.
 */
export type CommandRefusal =
  | { code: 'too-long'; length: number }
  | { code: 'audit-one-cluster' }
  | { code: 'no-cluster' }
  | { code: 'not-cluster-id' }
  | { code: 'not-printable'; what: CommandValueKind; char: string }
  | { code: 'not-in-names'; what: CommandValueKind; char: string }
  | { code: 'invalid-value'; what: CommandValueKind; value: string }
  | { code: 'named-twice'; what: 'resource group' | 'subscription' }
  | { code: 'not-one-name'; value: string }
  | { code: 'unwatch-interval' }
  | { code: 'bad-interval'; value: string }
  | { code: 'watch-no-cluster'; verb: 'watch' | 'unwatch' }
  | { code: 'watch-one-cluster'; verb: 'watch' | 'unwatch' };

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

function refuse(reason: string, hint: string, refusal?: CommandRefusal): Command {
  return { kind: 'refused', reason, hint, ...(refusal ? { refusal } : {}) };
}

const NAME_HINT =
  'AKS cluster names use only ASCII letters, digits, "-" and "_" (1-63 characters), e.g. "diagnose cluster aks-prod-eastus".';

/** The characters alone: names the first one no Azure name can hold. */
function checkCharacters(value: string, what: CommandValueKind, hint: string): Command | undefined {
  const nonAscii = [...value].find((ch) => (ch.codePointAt(0) ?? 0) > 0x7e || (ch.codePointAt(0) ?? 0) < 0x20);
  if (nonAscii !== undefined) {
    const char = describeChar(nonAscii);
    return refuse(`The ${what} contains ${char}, which is not a printable ASCII character (it may only look like one).`, hint, { code: 'not-printable', what, char });
  }
  const bad = value.match(SHELL_META)?.[0];
  if (bad !== undefined) return refuse(`The ${what} contains ${describeChar(bad)}, which Azure names never contain.`, hint, { code: 'not-in-names', what, char: describeChar(bad) });
  return undefined;
}

function checkValue(value: string, what: CommandValueKind, pattern: RegExp, hint: string): Command | undefined {
  const chars = checkCharacters(value, what, hint);
  if (chars) return chars;
  if (!pattern.test(value)) return refuse(`"${value.slice(0, 80)}" is not a valid ${what}.`, hint, { code: 'invalid-value', what, value: value.slice(0, 80) });
  return undefined;
}

/** Greetings answered with one line (and the full help only on "help"). */
const GREETINGS = /^(hi|hello|hey|hallo|good (morning|afternoon|evening)|你好|您好|嗨)[\s!.,！。]*$/;

export function parseCommand(raw: string): Command {
  if (raw.length > MAX_COMMAND_LENGTH * 4) {
    return refuse(`The message is ${raw.length} characters long; a command is one short line.`, 'Try "help" to see the commands.', { code: 'too-long', length: raw.length });
  }
  const text = stripTeamsMarkup(raw);
  if (text.length > MAX_COMMAND_LENGTH) {
    return refuse(`The message is ${text.length} characters long; a command is one short line.`, 'Try "help" to see the commands.', { code: 'too-long', length: text.length });
  }
  const lower = text.toLowerCase();
  if (lower === '' || lower === 'help' || lower === '?' || lower === '/help') return { kind: 'help' };
  if (GREETINGS.test(lower)) return { kind: 'greeting' };

  const audit = /^\/?audit\b\s*(.*)$/i.exec(text);
  if (audit) {
    const rest = (audit[1] ?? '').trim().replace(/^cluster\s+/i, '');
    if (rest === '') return { kind: 'audit' };
    // The same rules as for diagnose: a cluster name or a managed cluster id, nothing else.
    const as = parseCommand(`diagnose ${rest}`);
    if (as.kind === 'refused') return as;
    if (as.kind !== 'diagnose' || (as.target.by === 'name' && (as.target.resourceGroup || as.target.subscription))) {
      return refuse('"audit" takes one cluster name or id.', 'e.g. "audit cluster aks-prod-eastus", or "audit" for every cluster.', { code: 'audit-one-cluster' });
    }
    return { kind: 'audit', cluster: as.target.by === 'id' ? as.target.id : as.target.name };
  }

  const watch = parseWatchCommand(text);
  if (watch) return watch;

  const m = /^\/?diagnose\b\s*(.*)$/i.exec(text);
  if (!m) return { kind: 'unrecognised', text };
  let rest = (m[1] ?? '').trim();
  if (rest === '' || /^cluster$/i.test(rest)) {
    return refuse('Which cluster? The command needs a cluster name.', 'e.g. "diagnose cluster aks-prod-eastus".', { code: 'no-cluster' });
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
        { code: 'not-cluster-id' },
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
      if (resourceGroup !== undefined) return refuse('The resource group is named twice.', 'Name it once: "in resource group <group>".', { code: 'named-twice', what: 'resource group' });
      resourceGroup = value;
    } else {
      if (subscription !== undefined) return refuse('The subscription is named twice.', 'Name it once: "in subscription <id or name>".', { code: 'named-twice', what: 'subscription' });
      subscription = value;
    }
    rest = rest.slice(0, q.index) + rest.slice(q.index + q[0].length);
  }
  const name = rest.trim();
  const chars = checkCharacters(name, 'cluster name', NAME_HINT);
  if (chars) return chars;
  if (/\s/.test(name)) {
    return refuse(`"${name.slice(0, 80)}" is not one cluster name.`, 'e.g. "diagnose cluster aks-prod in resource group rg-prod".', { code: 'not-one-name', value: name.slice(0, 80) });
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

/**
 * `watch cluster X [every 15m]`, `watch X`, `unwatch cluster X`, `watches`. The cluster part obeys
 * exactly the rules of diagnose (it is parsed as one); the interval is bounded (engine/watch/interval.ts).
 */
function parseWatchCommand(text: string): Command | undefined {
  if (/^\/?(?:watches|list\s+watches)$/i.test(text)) return { kind: 'watches' };
  const m = /^\/?(un)?watch\b\s*(.*)$/i.exec(text);
  if (!m) return undefined;
  const stop = m[1] !== undefined;
  const verb = stop ? 'unwatch' : 'watch';
  let rest = (m[2] ?? '').trim();
  let intervalMinutes = DEFAULT_INTERVAL_MINUTES;
  const every = /(?:^|\s+)every(?=\s|$)\s*(.*)$/i.exec(rest);
  if (every) {
    if (stop) return refuse('"unwatch" takes no interval.', 'e.g. "unwatch cluster aks-prod".', { code: 'unwatch-interval' });
    const hint = 'e.g. "watch cluster aks-prod every 15m".';
    const chars = checkCharacters(every[1] ?? '', 'interval', hint);
    if (chars) return chars;
    const interval = parseInterval(every[1] ?? '');
    if (!interval.ok) return refuse(interval.reason, hint, { code: 'bad-interval', value: (every[1] ?? '').slice(0, 30) });
    intervalMinutes = interval.minutes;
    rest = rest.slice(0, every.index).trim();
  }
  if (rest === '' || /^cluster$/i.test(rest)) {
    return refuse(`Which cluster? "${verb}" needs a cluster name.`, `e.g. "${verb} cluster aks-prod-eastus"${stop ? '' : ' or "watch cluster aks-prod every 1h"'}.`, { code: 'watch-no-cluster', verb });
  }
  const as = parseCommand(`diagnose ${rest}`);
  if (as.kind === 'refused') return as;
  if (as.kind !== 'diagnose') return refuse(`"${verb}" takes one cluster name or id.`, `e.g. "${verb} cluster aks-prod-eastus".`, { code: 'watch-one-cluster', verb });
  return stop ? { kind: 'unwatch', target: as.target } : { kind: 'watch', target: as.target, intervalMinutes };
}
