/**
 * The 'refused' audit record (issue 15): a refused card click is evidence too, so it carries the
 * verb and the refusal code as short codes, checked like every field before it is stored.
 */
import { describe, expect, it } from 'vitest';
import { AuditRecordError, toAuditRecord, type AuditEntry } from '../../src/store/append-log.js';

const ENTRY: AuditEntry = {
  at: '2026-11-25T10:03:00.000Z',
  actor: { id: '29:dev', aadObjectId: '00000000-0000-0000-0000-00000000c003', name: 'Developer' },
  action: 'refused',
  verb: 'approve',
  reason: 'not-approver',
  requestId: 'r1',
  detail: 'Refused approve (not-approver) of …',
};

describe('refused audit records', () => {
  it('keep their verb and reason', () => {
    const record = toAuditRecord(ENTRY);
    expect(record).toMatchObject({ action: 'refused', verb: 'approve', reason: 'not-approver' });
  });

  it('are refused without a verb or a reason, or with free text in them', () => {
    const { verb: _verb, ...noVerb } = ENTRY;
    const { reason: _reason, ...noReason } = ENTRY;
    expect(() => toAuditRecord(noVerb)).toThrow(/verb of a refused record/);
    expect(() => toAuditRecord(noReason)).toThrow(/reason of a refused record/);
    expect(() => toAuditRecord({ ...ENTRY, reason: 'Not an approver; drop table' })).toThrow(AuditRecordError);
    expect(() => toAuditRecord({ ...ENTRY, verb: 'a'.repeat(65) })).toThrow(AuditRecordError);
  });

  it('other actions carry neither: the fields belong to refusals only', () => {
    expect(() => toAuditRecord({ ...ENTRY, action: 'approved' })).toThrow(/refused records only/);
    const { verb: _v, reason: _r, ...approved } = ENTRY;
    expect(toAuditRecord({ ...approved, action: 'approved' })).not.toHaveProperty('verb');
  });
});
