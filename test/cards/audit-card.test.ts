/**
 * The audit card reads as one row per fix request: what was asked, its story with times (requested
 * by → approved by → executed → verified), its outcome, and the records behind a toggle.
 */
import { describe, expect, it } from 'vitest';
import { auditCard } from '../../src/app/cards/index.js';
import type { AuditRecord } from '../../src/store/append-log.js';
import { expectValidCard } from '../support/validate-card.js';
import { ofType, typed, unexpanded, visibleText, type Json } from './card-walk.js';
import { CLUSTER_ID } from './reports.js';

const NSG = '/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-1-nsg';
const ONCALL = { id: '29:oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001' };
const LEAD = { id: '29:lead', name: 'Team Lead', aadObjectId: '00000000-0000-0000-0000-00000000b002' };
const SYSTEM = { id: 'system', name: 'Tunnel Doctor' };

/** Newest first, as the log hands them out: one request's whole story and a second, rejected one. */
const RECORDS: AuditRecord[] = [
  { at: '2026-11-25T10:04:00.000Z', actor: SYSTEM, action: 'verified', requestId: 'req-1', clusterId: CLUSTER_ID, detail: 'Re-check after the fix: verified: After: nsg-10250 pass', result: 'succeeded' },
  { at: '2026-11-25T10:03:30.000Z', actor: SYSTEM, action: 'executed', requestId: 'req-1', clusterId: CLUSTER_ID, detail: 'Executed … on bot-a: rule written', result: 'succeeded' },
  { at: '2026-11-25T10:03:00.000Z', actor: LEAD, action: 'rejected', requestId: 'req-2', clusterId: CLUSTER_ID, detail: 'Rejected Delete deny rule x …' },
  { at: '2026-11-25T10:02:00.000Z', actor: LEAD, action: 'approved', requestId: 'req-1', clusterId: CLUSTER_ID, detail: 'Approval 1 of 1 for …' },
  {
    at: '2026-11-25T10:01:00.000Z',
    actor: ONCALL,
    action: 'requested',
    requestId: 'req-1',
    clusterId: CLUSTER_ID,
    detail: `Requested Add inbound rule AllowKubelet to NSG aks-agentpool-1-nsg [nsg-allow-10250, risk medium] on aks-prod (${NSG}): {"name":"AllowKubelet"}; needs 1 approval(s) by 2026-11-25T10:31:00.000Z; plan 0123abcd`,
  },
];

describe('audit card', () => {
  const card = auditCard({ cluster: 'aks-prod', records: RECORDS });
  const rows = ofType(card, 'Container').filter((c) => Array.isArray(c.items) && (c.items as Json[]).some((i) => i.type === 'ActionSet'));

  it('is valid, one row per request, newest first', () => {
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    expect(rows).toHaveLength(2);
    expect(visibleText(rows[0]!)).toContain('Add inbound rule AllowKubelet to NSG aks-agentpool-1-nsg');
  });

  it('tells each request as one story with host times, its outcome as a badge', () => {
    const text = visibleText(rows[0]!);
    expect(text).toContain(
      'requested by On-call Engineer at {{DATE(2026-11-25T10:01:00Z, SHORT)}} {{TIME(2026-11-25T10:01:00Z)}} → approved by Team Lead at {{DATE(2026-11-25T10:02:00Z, SHORT)}} {{TIME(2026-11-25T10:02:00Z)}} → executed by',
    );
    const badge = ofType(rows[0]!, 'TextBlock').find((t) => t.text === 'verified (succeeded)');
    expect(badge?.color).toBe('Good');
    expect(ofType(rows[1]!, 'TextBlock').find((t) => t.text === 'rejected')?.color).toBe('Attention');
  });

  it('keeps the records verbatim behind a toggle, hidden until asked', () => {
    const toggle = ofType(rows[0]!, 'Action.ToggleVisibility')[0]!;
    const details = typed(rows[0]!).find((o) => o.id === (toggle.targetElements as string[])[0]) as Json;
    expect(details.isVisible).toBe(false);
    const lines = ofType(details, 'TextRun');
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.fontType === 'Monospace')).toBe(true);
    expect(String(lines[0]!.text)).toMatch(/^2026-11-25 10:01:00Z requested: Requested Add inbound rule/);
  });

  it('shows the fix in Chinese from its kind, and an action this build does not know by its name', () => {
    const later = { at: '2026-11-25T10:05:00.000Z', actor: ONCALL, action: 'escalated', requestId: 'req-1', clusterId: CLUSTER_ID, detail: 'from a newer build' } as unknown as AuditRecord;
    const zh = auditCard({ records: [later, ...RECORDS] }, 'zh-CN');
    expectValidCard(zh);
    const text = visibleText(zh);
    expect(text).toContain('在 NSG aks-agentpool-1-nsg 中添加入站规则');
    expect(text).toContain('On-call Engineer 于 {{DATE(2026-11-25T10:05:00Z, SHORT)}} {{TIME(2026-11-25T10:05:00Z)}} escalated');
  });
});

describe('audit card: refused clicks (issue 15)', () => {
  const OUTSIDER = { id: '29:dev', name: 'Developer', aadObjectId: '00000000-0000-0000-0000-00000000c003' };
  const what = `Add inbound rule AllowKubelet to NSG aks-agentpool-1-nsg [nsg-allow-10250, risk medium] on aks-prod (${NSG})`;
  const refusedRecord = (at: string, actor: AuditRecord['actor'], verb: string, reason: string, requestId = 'req-1'): AuditRecord => ({
    at,
    actor,
    action: 'refused',
    verb,
    reason,
    requestId,
    clusterId: CLUSTER_ID,
    detail: `Refused ${verb} (${reason}) of ${what}: You are not an approver, so nothing was done.`,
  });
  const rowsOf = (card: Json) => ofType(card, 'Container').filter((c) => Array.isArray(c.items) && (c.items as Json[]).some((i) => i.type === 'ActionSet'));

  it("puts each refused click in its request's story: who, which verb, why; the badge keeps the request's outcome", () => {
    const records = [
      refusedRecord('2026-11-25T10:06:00.000Z', OUTSIDER, 'approve', 'already-decided'),
      ...RECORDS.slice(0, 4),
      // The log's order (newest first): both refusals came between the request and the approval.
      refusedRecord('2026-11-25T10:01:40.000Z', OUTSIDER, 'approve', 'not-approver'),
      refusedRecord('2026-11-25T10:01:30.000Z', ONCALL, 'approve', 'self-approval'),
      ...RECORDS.slice(4),
    ];
    const card = auditCard({ cluster: 'aks-prod', records });
    expectValidCard(card);
    const rows = rowsOf(card);
    expect(rows).toHaveLength(2);
    const text = visibleText(rows[0]!);
    expect(text).toContain(
      'requested by On-call Engineer at {{DATE(2026-11-25T10:01:00Z, SHORT)}} {{TIME(2026-11-25T10:01:00Z)}} → approve by On-call Engineer refused at {{DATE(2026-11-25T10:01:30Z, SHORT)}} {{TIME(2026-11-25T10:01:30Z)}} (own request) → approve by Developer refused at {{DATE(2026-11-25T10:01:40Z, SHORT)}} {{TIME(2026-11-25T10:01:40Z)}} (not an approver) → approved by Team Lead',
    );
    expect(text).toContain('approve by Developer refused at {{DATE(2026-11-25T10:06:00Z, SHORT)}} {{TIME(2026-11-25T10:06:00Z)}} (already decided)');
    // The last record is a refusal, but the request was verified: that is its outcome.
    expect(ofType(rows[0]!, 'TextBlock').find((t) => t.text === 'verified (succeeded)')?.color).toBe('Good');
  });

  it('a refused "Request this fix" is a row of its own, named by the fix, badged refused', () => {
    const card = auditCard({ records: [refusedRecord('2026-11-25T11:00:00.000Z', OUTSIDER, 'request', 'not-requester', 'req-9')] });
    expectValidCard(card);
    const [row] = rowsOf(card);
    expect(visibleText(row!)).toContain('Add inbound rule AllowKubelet to NSG aks-agentpool-1-nsg');
    expect(visibleText(row!)).toContain('request by Developer refused at {{DATE(2026-11-25T11:00:00Z, SHORT)}} {{TIME(2026-11-25T11:00:00Z)}} (not the requester)');
    expect(ofType(row!, 'TextBlock').find((t) => t.text === 'refused')?.color).toBe('Warning');
  });

  it('marks a clicker without an Entra id as unverified: the name is what the client sent', () => {
    const card = auditCard({ records: [refusedRecord('2026-11-25T11:00:00.000Z', { id: '29:webchat-user', name: 'Team Lead' }, 'approve', 'no-identity')] });
    expect(visibleText(card)).toContain('approve by Team Lead (no Entra id) refused at');
    expect(visibleText(card)).toContain('(no Entra identity sent)');
  });

  it('reads in Chinese: verb and reason from the catalog, the record itself verbatim', () => {
    const card = auditCard({ records: [refusedRecord('2026-11-25T10:01:40.000Z', OUTSIDER, 'approve', 'not-approver'), ...RECORDS] }, 'zh-CN');
    expectValidCard(card);
    const text = visibleText(card);
    expect(text).toContain('Developer 于 {{DATE(2026-11-25T10:01:40Z, SHORT)}} {{TIME(2026-11-25T10:01:40Z)}} 尝试批准，被拒绝（不是审批人）');
    const anonymous = auditCard({ records: [refusedRecord('2026-11-25T10:01:40.000Z', { id: 'unknown' , name: 'X' }, 'cancel', 'no-identity')] }, 'zh-CN');
    expect(visibleText(anonymous)).toContain('X（无 Entra 身份） 于 {{DATE(2026-11-25T10:01:40Z, SHORT)}} {{TIME(2026-11-25T10:01:40Z)}} 尝试取消，被拒绝（未发送 Entra 身份）');
  });
});
