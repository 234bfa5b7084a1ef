/**
 * The audit log in chat (`audit`, `audit cluster X`), one row per fix request: what was asked on
 * which cluster, then its story (requested by → approved by → executed → verified, with times and
 * any refused clicks: who tried which verb and why it was refused), its outcome as a badge, and the
 * records themselves behind a toggle. Records
 * without a request (or of an action this build does not know) are rows of their own.
 *
 * The records are the bot's own English data (the log is evidence, kept as written): the fix's
 * title is rendered in the reader's language from the kind the "requested" record names; the
 * records' sentences are shown verbatim, as code, behind the toggle.
 */
import template from '../../../cards/audit.json' with { type: 'json' };
import type { AuditRecord } from '../../store/append-log.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { cardTime } from './card-time.js';
import { inertMarkdown, inertRun, stripControl, truncate } from './card-text.js';
import { parseArmId } from './fix-commands.js';
import { messagesFor, type Locale, type Messages } from '../i18n/index.js';
import type { TextColor } from './status-look.js';

/** Records shown in one card: enough for an incident, well inside Teams' 28 KB. */
export const AUDIT_CARD_RECORDS = 25;

/** One fix request's records, oldest first; or a lone record. */
interface RequestStory {
  key: string;
  records: AuditRecord[];
}

/** Groups records (newest first, as the log gives them) by request, rows ordered by their newest record. */
function storiesOf(records: readonly AuditRecord[]): RequestStory[] {
  const byKey = new Map<string, AuditRecord[]>();
  records.forEach((r, i) => {
    const key = r.requestId ? `request:${r.requestId}` : `record:${i}`;
    const list = byKey.get(key) ?? [];
    list.push(r);
    byKey.set(key, list);
  });
  return [...byKey.entries()].map(([key, list]) => ({ key, records: [...list].reverse() }));
}

/**
 * "Requested <title> [<kind>, risk <risk>] on <cluster> (<target>): <change>", or for a refused
 * click "Refused <verb> (<code>) of <title> [<kind>, …] …" (engine/approvals/audit-entries.ts).
 */
const REQUESTED = /^(?:Requested|Refused [a-z-]+ \([a-z0-9-]+\) of) (.+?) \[([a-z0-9-]+), risk (low|medium|high)\] on (\S+) \(([^)]*)\)/;

function fixTitleOf(story: RequestStory, m: Messages): string | undefined {
  // A refused "Request this fix" leaves no 'requested' record: its refusal names the fix too.
  const requested = story.records.find((r) => r.action === 'requested') ?? story.records.find((r) => r.action === 'refused');
  const parsed = requested ? REQUESTED.exec(requested.detail) : null;
  if (!parsed) return undefined;
  const [, title, kind, , , target] = parsed;
  const nsg = parseArmId(target!)?.name;
  return m.fixText.title(kind!, nsg ? { nsg } : {}, title!);
}

function personOf(r: AuditRecord, m: Messages): string {
  if (r.actor.id === 'system') return m.incident.system;
  const shown = inertMarkdown(truncate(r.actor.name ?? r.actor.aadObjectId ?? r.actor.id, 60, m.common.cut));
  // A refused click without an Entra id names whoever the client said it was: say so.
  return r.action === 'refused' && !r.actor.aadObjectId ? m.audit.unverified(shown) : shown;
}

/** One step of a request's story: "approved by Bo at 10:03", or "approve by Olive refused at 10:04 (not an approver)". */
function stepOf(r: AuditRecord, m: Messages): string {
  const who = personOf(r, m);
  if (r.action === 'refused') {
    const verb = (m.audit.verb as Record<string, string | undefined>)[r.verb ?? ''] ?? inertMarkdown(r.verb ?? '?');
    const why = (m.audit.reason as Record<string, string | undefined>)[r.reason ?? ''] ?? inertMarkdown(r.reason ?? '?');
    return m.audit.refusedStep(verb, who, cardTime(r.at), why);
  }
  return m.audit.step((m.audit.action as Record<string, string | undefined>)[r.action] ?? r.action, who, cardTime(r.at));
}

/** What the last record says about the whole request: its badge. */
function badgeOf(last: AuditRecord, m: Messages): { text: string; color: TextColor } {
  const word = (m.audit.action as Record<string, string | undefined>)[last.action] ?? last.action;
  const result = last.result ? (m.audit.result as Record<string, string | undefined>)[last.result] ?? last.result : undefined;
  const color: TextColor =
    last.result === 'failed' || last.action === 'rejected' ? 'Attention' : last.action === 'refused' ? 'Warning' : last.action === 'verified' && last.result === 'succeeded' ? 'Good' : last.result === 'partial' ? 'Warning' : 'Default';
  return { text: result ? `${word} (${result})` : word, color };
}

export function auditCard(input: { cluster?: string; records: AuditRecord[] }, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const shown = input.records.slice(0, AUDIT_CARD_RECORDS);
  const heading = m.audit.heading(input.cluster);
  const rows = storiesOf(shown).map((story, i) => {
    // Refused clicks change nothing: the badge tells the request's state, unless refusals are all there is.
    const last = story.records.findLast((r) => r.action !== 'refused') ?? story.records.at(-1)!;
    const cluster = last.clusterId?.split('/').pop();
    const title = fixTitleOf(story, m) ?? (cluster ? cluster : (m.audit.action as Record<string, string | undefined>)[last.action] ?? last.action);
    // requested by Ana at 10:01 → approved by Bo at 10:03 → executed at 10:03 …
    const steps = story.records.map((r) => stepOf(r, m));
    return {
      detailsId: `audit-${i + 1}`,
      title: inertMarkdown(truncate(title, 200, m.common.cut)),
      cluster: cluster ? inertMarkdown(truncate(cluster, 63, m.common.cut)) : '',
      hasCluster: cluster !== undefined && fixTitleOf(story, m) !== undefined,
      badge: badgeOf(last, m),
      story: steps.join(' → '),
      records: story.records.map((r) => ({
        line: stripControl(`${r.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} ${r.action}${r.result ? ` (${r.result})` : ''}: ${inertRun(truncate(r.detail, 400, m.common.cut))}`),
      })),
    };
  });
  return expandCard(template, {
    t: { empty: m.audit.empty, older: m.audit.older, details: m.audit.details },
    fallbackText: stripControl(m.audit.fallback(heading, input.records.length)),
    heading: inertRun(truncate(heading, 120, m.common.cut)),
    empty: shown.length === 0,
    rows,
    more: input.records.length > shown.length,
  });
}
