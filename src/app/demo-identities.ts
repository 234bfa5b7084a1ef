/**
 * The demo's people, for local mode only (no app id, loopback, simulated Azure by default): the
 * local chat page lets you act as each of them, and when APPROVER_IDS is unset the two approvers
 * below are the approvers, so a newcomer sees the whole approval flow without Entra ids.
 * They are never used when an app id is configured (parseConfig enforces it).
 */
export interface DemoIdentity {
  /** The page's switch value. */
  key: 'requester' | 'approver' | 'second-approver' | 'outsider';
  /** Channel user id, shaped like Teams' "29:" ids. */
  id: string;
  name: string;
  /** Entra object id (what the policy checks). */
  aadObjectId: string;
  /** What this person may do in the demo, for the page. */
  role: string;
}

/** The demo tenant every demo identity belongs to. */
export const DEMO_TENANT_ID = '0d3e5c1a-7b2f-4e8d-9a61-5c4b3a2f1e00';

export const DEMO_IDENTITIES: readonly DemoIdentity[] = [
  { key: 'requester', id: '29:demo-requester', name: 'Riley (on-call)', aadObjectId: 'de70a001-0000-4000-8000-00000000a001', role: 'requests fixes' },
  { key: 'approver', id: '29:demo-approver', name: 'Avery (team lead)', aadObjectId: 'de70b002-0000-4000-8000-00000000b002', role: 'approves fixes' },
  { key: 'second-approver', id: '29:demo-approver-2', name: 'Sam (SRE lead)', aadObjectId: 'de70b003-0000-4000-8000-00000000b003', role: 'second approval for high-risk fixes' },
  { key: 'outsider', id: '29:demo-outsider', name: 'Olive (another team)', aadObjectId: 'de70c004-0000-4000-8000-00000000c004', role: 'sees status only' },
] as const;

export function demoIdentity(key: string): DemoIdentity | undefined {
  return DEMO_IDENTITIES.find((d) => d.key === key);
}

/** The approvers local mode uses when APPROVER_IDS is unset. */
export const DEMO_APPROVER_IDS: readonly string[] = DEMO_IDENTITIES.filter((d) => d.key === 'approver' || d.key === 'second-approver').map((d) => d.aadObjectId);
