import { describe, expect, it } from 'vitest';
import { approvalCard, MAX_REFRESH_USER_IDS, refreshUserIdsOf } from '../../src/app/cards/approval-card.js';
import { APPROVAL_STATES, draftApprovalRequest, type ApprovalRequest } from '../../src/engine/approvals/request.js';
import { diagnosisCard } from '../../src/app/cards/diagnosis-card.js';
import { expectValidCard } from '../support/validate-card.js';
import { mixedReport } from './reports.js';
import { ofType, visibleText } from './card-walk.js';

const POLICY = { requesterIds: [], approverIds: [], requireDistinctApprover: true, highRiskApprovals: 2, ttlMinutes: 30, allowedTenantIds: [] };
const NONE = { approve: false, reject: false, cancel: false };

function request(): ApprovalRequest {
  const report = mixedReport();
  const fixId = report.checks.flatMap((c) => c.fixes)[0]!.id;
  const out = draftApprovalRequest({ report, fixId, requester: { id: '29:req', name: 'Req [x](https://evil.example)' }, policy: POLICY, now: new Date('2026-01-01T00:00:00Z') });
  if (!out.ok) throw new Error(out.message);
  return out.draft;
}

const text = (card: unknown) => JSON.stringify(card).replace(/\u200b/g, '');

describe('approval card', () => {
  it.each(APPROVAL_STATES)('is a valid card in state %s', (state) => {
    const card = approvalCard({ request: { ...request(), state }, state, buttons: NONE });
    expectValidCard(card);
    expect(text(card)).not.toContain('${');
  });

  it('offers only the buttons it is given, each carrying the request id alone', () => {
    const r = request();
    const card = approvalCard({ request: r, state: 'pending', buttons: { approve: true, reject: false, cancel: true } });
    const actions = (card.actions ?? []) as Array<{ verb: string; data: unknown }>;
    expect(actions.map((a) => a.verb)).toEqual(['approve', 'cancel']);
    for (const a of actions) expect(a.data).toEqual({ requestId: r.id });
    expect(card.refresh).toMatchObject({ action: { verb: 'refresh', data: { requestId: r.id } }, userIds: ['29:req'] });
  });

  it('shows a refusal notice and keeps names from linking', () => {
    const card = approvalCard({ request: request(), state: 'pending', buttons: NONE, notice: 'You are not an approver.' });
    expectValidCard(card);
    expect(text(card)).toContain('You are not an approver.');
    expect(JSON.stringify(card)).not.toContain('](https://');
  });

  it('says who may approve while the request waits, and not after', () => {
    const who = 'Who may approve: Avery (team lead), not the requester';
    const pending = approvalCard({ request: request(), state: 'pending', buttons: NONE, whoMayApprove: who });
    expectValidCard(pending);
    expect(visibleText(pending)).toContain(`👤 ${who}`);
    const done = approvalCard({ request: { ...request(), state: 'verified' }, state: 'verified', buttons: NONE, whoMayApprove: who });
    expect(visibleText(done)).not.toContain(who);
  });

  it('a fix whose target was already gone is "not needed", grey, never a red failure', () => {
    const r: ApprovalRequest = { ...request(), state: 'failed', execution: { startedAt: '2026-01-01T00:01:00.000Z', owner: 'bot-a', result: 'failed', detail: 'Nothing was changed: Pod x is gone', notNeeded: true } };
    const card = approvalCard({ request: r, state: 'failed', buttons: NONE });
    expectValidCard(card);
    const banner = ofType(card, 'Container')[0]!;
    expect(banner.style).toBe('emphasis');
    expect(visibleText(card)).toContain('Fix not needed: its target was already gone');
    expect(visibleText(card)).toContain('State: not needed (nothing was changed)');
    expect(visibleText(card)).not.toContain('❌');
  });

  it('shows the expiry as the reader\'s local time (a host time in a TextBlock) with the minutes left', () => {
    const r = request();
    const card = approvalCard({ request: r, state: 'pending', buttons: NONE, now: new Date(Date.parse(r.expiresAt) - 12 * 60_000 + 1) });
    const at = r.expiresAt.replace(/\.\d{3}Z$/, 'Z');
    expect(ofType(card, 'TextBlock').map((b) => b.text)).toContain(`Expires: {{DATE(${at}, SHORT)}} {{TIME(${at})}} (expires in 12 min)`);
    expect(JSON.stringify(card)).not.toContain(r.expiresAt);
  });

  it('lists at most 60 user ids for refresh, channel ids only', () => {
    const r = request();
    const approvals = Array.from({ length: 80 }, (_, i) => ({ by: { id: `29:a${i}`, aadObjectId: `id-${i}` }, at: r.createdAt }));
    const ids = refreshUserIdsOf({ ...r, approvals, history: [{ state: 'pending', at: r.createdAt, by: { id: 'system' } }] });
    expect(ids).toHaveLength(MAX_REFRESH_USER_IDS);
    expect(ids[0]).toBe('29:req');
    expect(ids.every((id) => id.startsWith('29:'))).toBe(true);
  });
});

describe('diagnosis card with a stored report id', () => {
  it('puts "Request this fix" on executable fixes only, and says why the others are by hand', () => {
    const report = mixedReport();
    const card = diagnosisCard(report, { reportId: 'r'.repeat(22) });
    expectValidCard(card);
    const buttons = JSON.stringify(card).match(/"verb":"request-fix","data":\{[^}]*\}/g) ?? [];
    for (const b of buttons) expect(Object.keys(JSON.parse(`{${b.replace(/^"verb":"request-fix",/, '')}}`).data).sort()).toEqual(['fixId', 'reportId']);
    // mixedReport: one NSG fix the bot applies, a UFW fix with no node script and an unknown kind.
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toContain('"fixId":"fix-nsg-1"');
    const shown = JSON.stringify(card);
    expect(shown).toContain('No node script applies this change');
    expect(shown).toContain('The bot cannot apply this change itself');
    expect(JSON.stringify(diagnosisCard(report))).not.toContain('request-fix');
  });
});
