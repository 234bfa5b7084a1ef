/**
 * The featured egress demo end to end over real HTTP (CloudAdapter → app → simulated Azure serving
 * the real scenarios/egress-443-blocked-konnectivity.json): an outbound NSG rule denies TCP 443 to
 * the API server and the konnectivity agents crash-loop. In the chat: diagnose aks-egress-443 → the
 * egress fix shows its "Then: restart …" step → request it → an approver approves → the card ends
 * "Fix applied and verified" with the restart's outcome → a new diagnosis passes both checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardText, executeActions } from '../support/card-walk.js';
import { APPROVER, buttonVerbs, EGRESS_DEMO_FILE, REQUESTER, rowText, startApprovalHarness, type ApprovalHarness } from './approval-harness.js';

/** The NSG fixes PUT the whole NSG under If-Match (src/engine/fixes/nsg-write.ts). */
const RULE_PUT = 'nsg.createOrUpdate';
let h: ApprovalHarness;

beforeAll(async () => {
  h = await startApprovalHarness({ APPROVER_IDS: APPROVER.aadObjectId, SIM_SCENARIOS: EGRESS_DEMO_FILE }, 'a:approval-egress-demo');
});

afterAll(async () => {
  await h?.close();
});

describe('featured demo aks-egress-443: NSG denies the konnectivity egress, agents crash-loop', () => {
  it('diagnoses, fixes on one approval (the rule, then the agents), and re-diagnoses healthy', async () => {
    const diagnosis = await h.diagnose('aks-egress-443');
    const egressRow = rowText(diagnosis, 'egress-tunnel-ports');
    expect(egressRow).toMatch(/Failed/);
    expect(egressRow).toMatch(/rule Deny-Internet-HTTPS-Outbound \(priority 300\) denies TCP 443/);
    // The diagnosis card already says what the plan does after the rule.
    // (the change pretty-printed, then its az equivalent, then the step)
    expect(egressRow).toMatch(/"name": "AllowTunnelEgressTcp443"[^]*"direction": "Outbound"\n {2}\}\n\}[^]*az network nsg rule create[^]*Then: [^]{0,40}restart the konnectivity-agent pods in kube-system/);
    // One root cause: the agents' crash loop is its consequence, cleared by the same plan, with no buttons of its own.
    expect(egressRow).toMatch(/Consequence: [^]*Tunnel agent pods[^]*CrashLoopBackOff[^]*the fix below also clears this/);
    expect(executeActions(diagnosis).filter((a) => a.verb === 'request-fix')).toHaveLength(1);

    const { activityId, card, requestId } = await h.requestFix(diagnosis, 'egress-tunnel-ports:');
    const plan = cardText(card);
    expect(plan).toMatch(/"name": "AllowTunnelEgressTcp443"/);
    expect(plan).toMatch(/az network nsg rule create/);
    expect(plan).toMatch(/Then: [^]{0,40}restart the konnectivity-agent pods in kube-system/);
    const commandsBefore = h.route('managedClusters.runCommand');

    const since = h.connector.calls.length;
    const approved = await h.click('approve', { requestId }, APPROVER, activityId);
    expect(cardText(approved)).toMatch(/Fix approved: applying it/);
    const final = await h.waitForCard(activityId, /Fix applied and verified|still fails|not applied/, since);
    await h.bot.drain();
    const text = cardText(final);
    expect(text).toMatch(/Fix applied and verified/);
    expect(text).toMatch(/Rule AllowTunnelEgressTcp443 written/);
    expect(text).toMatch(/Then: [^]{0,40}succeeded: Restarted 2 tunnel agent pod\(s\): konnectivity-agent-/);
    expect(text).toMatch(/Check before:[^]*tunnel-agent-health fail[^]*Check after:[^]*egress-tunnel-ports pass[^]*tunnel-agent-health pass/);
    expect(buttonVerbs(final)).toEqual([]);
    expect(h.route(RULE_PUT)).toBe(1);
    // One listing and two deletes for the restart, then the re-check's own commands.
    expect(h.route('managedClusters.runCommand') - commandsBefore).toBeGreaterThanOrEqual(3);

    const records = (await h.bot.store.audit.readAudit({ requestId, limit: 20 })).reverse();
    expect(records.map((r) => r.action)).toEqual(['requested', 'approved', 'executed', 'verified']);
    expect(records[0]?.detail).toMatch(/then recreate-tunnel-pods: restart the konnectivity-agent pods/);
    expect(records[2]?.detail).toMatch(/Then recreate-tunnel-pods: succeeded: Restarted 2 tunnel agent pod/);

    const again = await h.diagnose('aks-egress-443', REQUESTER);
    expect(rowText(again, 'egress-tunnel-ports')).toMatch(/✅/);
    expect(rowText(again, 'tunnel-agent-health')).toMatch(/✅/);
    expect(cardText(again)).toMatch(/Tunnel healthy on aks-egress-443/);
    expect(executeActions(again).filter((a) => a.verb === 'request-fix')).toEqual([]);
  });
});
