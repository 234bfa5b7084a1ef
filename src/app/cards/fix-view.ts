/**
 * One fix as the diagnosis card shows it: its change, risk and warnings, the "Request this fix"
 * button when the report says the bot applies it (FixProposal.appliedBy), else why it is done by
 * hand, and once requested the fix's story (requested by, approved by, applied, verified).
 */
import type { ApprovalRequest } from '../../engine/approvals/request.js';
import { effectiveState } from '../../engine/approvals/request.js';
import { appliedByBot, BY_HAND_REASON, type FixProposal } from '../../engine/report.js';
import { firstOf, inertMarkdown, inertRun, stripControl, truncate } from './card-text.js';
import { azEquivalent, parseArmId, portalUrl, prettyChange } from './fix-commands.js';
import { localFixText } from './fix-text.js';
import { cardTime } from './card-time.js';
import { RISK_COLOR, type TextColor } from './status-look.js';
import type { DetailLevel } from './detail-levels.js';
import type { Messages } from '../i18n/index.js';

/** `data` of "Request this fix": ids only; the server reloads the report and the fix from its store. */
export interface RequestFixData {
  reportId: string;
  fixId: string;
}

/** A "Then:" step is a sentence, not a rule: it never needs the change's full length. */
const THEN_CHARS = 600;

export interface FixProgressView {
  state: string;
  color: TextColor;
  lines: Array<{ text: string }>;
}

function personOf(actor: { id: string; name?: string; aadObjectId?: string }): string {
  return inertMarkdown(truncate(actor.name ?? actor.aadObjectId ?? actor.id, 80));
}

const STATE_COLOR: Partial<Record<ApprovalRequest['state'], TextColor>> = {
  verified: 'Good',
  failed: 'Attention',
  'still-failing': 'Warning',
  interrupted: 'Warning',
  rejected: 'Attention',
};

/** The fix's story so far, as the diagnosis card tells it: who asked and when, who approved, what came of it. */
function fixProgress(request: ApprovalRequest, now: Date, m: Messages): FixProgressView {
  const t = m.incidentLayout;
  const state = effectiveState(request, now);
  const lines: Array<{ text: string }> = [{ text: t.requestedBy(personOf(request.requester), cardTime(request.createdAt)) }];
  const last = request.approvals.at(-1);
  if (last) lines.push({ text: t.approvedBy(request.approvals.map((a) => personOf(a.by)), cardTime(last.at)) });
  if (state === 'pending') {
    const minutes = Math.max(1, Math.ceil((Date.parse(request.expiresAt) - now.getTime()) / 60_000));
    lines.push({ text: t.expiresIn(minutes) });
  }
  // Why it did not work, in the engine's words (English data: other languages see the state line
  // and the approval card's outcome).
  if (m.locale === 'en') {
    if (state === 'failed' && !request.execution?.notNeeded && request.execution?.detail) lines.push({ text: inertMarkdown(truncate(request.execution.detail, 300)) });
    if (state === 'still-failing' && request.verification) {
      const after = request.verification.detail.split('\n').filter((l) => l.startsWith('After:') || l.startsWith('Note:'));
      for (const line of after.slice(0, 2)) lines.push({ text: inertMarkdown(truncate(line, 300)) });
    }
  }
  if (state === 'failed' && request.execution?.notNeeded) return { state: t.notNeeded.line, color: 'Default', lines };
  return { state: t.stateLine(state), color: STATE_COLOR[state] ?? 'Default', lines };
}

export interface FixView {
  detailsId: string;
  title: string;
  risk: string;
  riskColor: string;
  approval: string;
  target: string;
  change: string;
  hasAz: boolean;
  az: string;
  hasPortal: boolean;
  portalUrl: string;
  portalTitle: string;
  /** Steps the approved plan runs after `change` (FixProposal.then), shown as "Then: …" under it. */
  then: Array<{ text: string }>;
  warnings: Array<{ text: string }>;
  hasRequest: boolean;
  request: RequestFixData | Record<string, never>;
  hasManualReason: boolean;
  manualReason: string;
  hasProgress: boolean;
  progress: FixProgressView | Record<string, never>;
}

export interface FixViewContext {
  level: DetailLevel;
  reportId: string | undefined;
  requests: Readonly<Record<string, ApprovalRequest>>;
  now: Date;
  m: Messages;
  /** A counter for unique element ids across the card. */
  nextId: () => string;
  /** ARM ids of the node pools' scale sets, to link a node to its instance. */
  scaleSets: readonly string[];
}

export function fixView(fix: FixProposal, ctx: FixViewContext): FixView {
  const { level, reportId, m } = ctx;
  // Who applies it is in the report (engine/fixes/fix-kinds.ts); a report without it is advice.
  const manual = reportId === undefined || appliedByBot(fix) ? undefined : (fix.byHandReason ?? BY_HAND_REASON);
  const request = ctx.requests[fix.id];
  const canRequest = reportId !== undefined && manual === undefined && request === undefined;
  const local = localFixText(fix, m);
  const az = level.changeChars > 0 ? azEquivalent(fix) : undefined;
  const url = portalUrl(fix.target);
  const targetType = parseArmId(fix.target)?.type.toLowerCase() === 'networksecuritygroups' ? 'NSG' : parseArmId(fix.target)?.type ?? '';
  return {
    detailsId: ctx.nextId(),
    hasRequest: canRequest,
    request: canRequest ? { reportId, fixId: fix.id } : {},
    hasManualReason: manual !== undefined,
    manualReason: inertRun(manual === undefined ? '' : m.diagnosis.manualFix(manual)),
    title: inertMarkdown(truncate(local.title, 300, m.common.cut)),
    risk: m.diagnosis.riskLabel(m.risk[fix.risk] ?? fix.risk),
    riskColor: RISK_COLOR[fix.risk] ?? 'Default',
    approval: ` · ${fix.needsApproval ? m.diagnosis.needsApproval : m.diagnosis.noApprovalNeeded}`,
    target: stripControl(truncate(fix.target, 300, m.common.cut)),
    // Verbatim and indented: a TextRun renders no markdown, so `*` in a rule or `_` in a chain name stay as they are.
    change: stripControl(truncate(prettyChange(fix.change), level.changeChars, m.common.cut)),
    hasAz: az !== undefined,
    az: stripControl(az ?? ''),
    hasPortal: url !== undefined,
    portalUrl: url ?? '',
    portalTitle: m.incidentLayout.openResource(targetType),
    // Part of what an approver approves (the plan hash covers it).
    then: local.then.map((text) => ({ text: inertRun(truncate(text, Math.min(THEN_CHARS, Math.max(level.changeChars, 160)), m.common.cut)) })),
    warnings: firstOf(local.warnings, level.warningsPerFix).shown.map((w) => ({ text: inertRun(truncate(w, 300, m.common.cut)) })),
    hasProgress: request !== undefined,
    progress: request ? fixProgress(request, ctx.now, m) : {},
  };
}
