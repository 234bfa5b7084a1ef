/**
 * Issue 15's "done when" for the cards, without a browser: one root cause with its consequence and
 * one Request button on the egress case; the fix's story in place of its button; a portal link to
 * the cluster on every diagnosis card; the az equivalent of every NSG change; and zh-CN diagnosis
 * and approval cards without an English sentence outside code, ids and commands.
 * (The 540 px geometry is measured in a real browser: test/browser/diagnosis-card-layout.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { approvalCard, diagnosisCard } from '../../src/app/cards/index.js';
import { azEquivalent, portalUrl } from '../../src/app/cards/fix-commands.js';
import { causeLinks, rootCauses } from '../../src/engine/cause-links.js';
import { draftApprovalRequest, type ApprovalRequest } from '../../src/engine/approvals/request.js';
import type { ApprovalPolicy } from '../../src/engine/approvals/policy.js';
import type { Report } from '../../src/engine/report.js';
import { expectValidCard } from '../support/validate-card.js';
import { ofType, typed, unexpanded, visibleText, type Json } from './card-walk.js';
import { CLUSTER_ID, allFailingReport, egressBlockedReport, healthyReport, mixedReport } from './reports.js';

const POLICY: ApprovalPolicy = { requesterIds: [], approverIds: ['00000000-0000-0000-0000-00000000b002'], requireDistinctApprover: true, highRiskApprovals: 2, ttlMinutes: 30, allowedTenantIds: [] };
const NOW = new Date('2026-11-25T10:03:00.000Z');
const REQUESTER = { id: '29:oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001' };
const APPROVER = { id: '29:lead', name: 'Team Lead', aadObjectId: '00000000-0000-0000-0000-00000000b002' };

const requestButtons = (card: object) => ofType(card, 'Action.Execute').filter((a) => a.verb === 'request-fix');
const egressFix = (report: Report) => report.checks.find((c) => c.id === 'egress-tunnel-ports')!.fixes[0]!;

function requestOf(report: Report, fixId: string, patch: Partial<ApprovalRequest> = {}): ApprovalRequest {
  const draft = draftApprovalRequest({ report, fixId, requester: REQUESTER, policy: POLICY, now: new Date('2026-11-25T10:01:00.000Z'), id: 'A'.repeat(22) });
  if (!draft.ok) throw new Error(draft.message);
  return { ...draft.draft, ...patch };
}

describe('root causes and their consequences (engine/cause-links)', () => {
  it('links the agents crash loop to the blocked egress, covered by the egress fix restart', () => {
    expect(causeLinks(egressBlockedReport())).toEqual([
      { cause: 'egress-tunnel-ports', consequence: 'tunnel-agent-health', coveredBy: egressFix(egressBlockedReport()).id },
    ]);
    const roots = rootCauses(egressBlockedReport());
    expect(roots.map((r) => [r.check.id, r.consequences.map((c) => c.id), r.planCoversConsequences])).toEqual([['egress-tunnel-ports', ['tunnel-agent-health'], true]]);
  });

  it('leaves unrelated failures as root causes of their own', () => {
    expect(rootCauses(mixedReport()).map((r) => r.check.id)).toEqual(['tunnel-agent-health', 'nsg-10250']);
  });

  it('does not claim a plan covers the consequence when no fix of the cause restarts the agents', () => {
    const report = egressBlockedReport();
    delete egressFix(report).then;
    expect(rootCauses(report)[0]?.planCoversConsequences).toBe(false);
  });
});

describe('the aks-egress-443 diagnosis card', () => {
  const report = egressBlockedReport();
  const card = diagnosisCard(report, { reportId: 'r'.repeat(22) });

  it('shows one root cause with one Request button, the crash loop as its consequence', () => {
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    expect(String(ofType(card, 'TextBlock')[0]?.text)).toBe('❌ 1 cause found on aks-prod');
    const buttons = requestButtons(card);
    expect(buttons).toHaveLength(1);
    expect(buttons[0]?.data).toEqual({ reportId: 'r'.repeat(22), fixId: egressFix(report).id });
    const cause = typed(card).find((o) => o.id === 'check-egress-tunnel-ports') as Json;
    expect(visibleText(cause)).toMatch(/↳ Consequence: [^]*Tunnel agent pods[^]*the fix below also clears this/);
    // No pod delete is offered: the egress fix's plan restarts the agents.
    expect(JSON.stringify(card)).not.toContain('kubectl delete pod -n kube-system');
    expect(typed(card).some((o) => o.id === 'check-tunnel-agent-health')).toBe(false);
  });

  it('puts the cause and its button before the facts and the passed checks', () => {
    const body = JSON.stringify(card.body);
    expect(body.indexOf('request-fix')).toBeLessThan(body.indexOf('rg-prod · westeurope'));
    expect(body.indexOf('request-fix')).toBeLessThan(body.indexOf('passed-checks'));
    expect(card.msteams).toEqual({ width: 'Full' });
  });

  it('offers the change pretty-printed with its az equivalent and a portal link to the NSG', () => {
    const text = visibleText(card);
    expect(text).toContain('"name": "AllowTunnelEgressTcp443",\n');
    expect(text).toContain(
      "az network nsg rule create --resource-group MC_rg-prod_aks-prod_westeurope --nsg-name aks-agentpool-12345678-nsg --name AllowTunnelEgressTcp443 \\\n  --priority 299 \\\n  --direction Outbound",
    );
    const urls = ofType(card, 'Action.OpenUrl').map((a) => a.url);
    expect(urls).toContain(portalUrl(egressFix(report).target));
  });
});

describe('a check this build does not know (a newer engine: an 8th check)', () => {
  it('is shown by its id, after the known ones, in both languages', () => {
    const report = egressBlockedReport();
    report.checks.push({ id: 'future-check' as never, status: 'fail', summary: 'something a newer engine looks at', nodes: [], evidence: [], fixes: [] });
    for (const locale of ['en', 'zh-CN'] as const) {
      const card = diagnosisCard(report, { reportId: 'r'.repeat(22) }, locale);
      expectValidCard(card);
      expect(unexpanded(card)).toEqual([]);
      const rows = typed(card).filter((o) => typeof o.id === 'string' && (o.id as string).startsWith('check-')).map((o) => o.id);
      expect(rows.slice(0, 2)).toEqual(['check-egress-tunnel-ports', 'check-future-check']);
      expect(visibleText(card)).toContain('future-check');
    }
  });
});

describe('portal links behind the evidence', () => {
  it('link the NSG the evidence names and the first node as its scale set instance', () => {
    const report = egressBlockedReport();
    const vmss = `/subscriptions/6a1c3e2f-4b5d-4e6f-8a9b-0c1d2e3f4a5b/resourceGroups/MC_rg-prod_aks-prod_westeurope/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss`;
    report.cluster.nodePools![0]!.vmss = vmss;
    const card = diagnosisCard(report, { reportId: 'r'.repeat(22) });
    expectValidCard(card);
    const evidence = typed(card).find((o) => o.id === 'evidence-egress-tunnel-ports') as Json;
    const links = ofType(evidence, 'Action.OpenUrl').map((a) => [a.title, a.url]);
    expect(links).toEqual([
      ['Open aks-agentpool-12345678-nsg in portal', portalUrl(egressFix(report).target)],
      ['Open aks-nodepool1-12345678-vmss000000 in portal', `https://portal.azure.com/#resource${vmss}/virtualMachines/0`],
    ]);
  });
});

describe('az equivalents and portal links', () => {
  const nsg = '/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Network/networkSecurityGroups/aks-nsg';
  it('edits a deny rule with update, deletes with delete, quotes what the shell would expand', () => {
    const edit = azEquivalent({ kind: 'nsg-edit-deny', target: nsg, change: '{"name":"deny-all","properties":{"access":"Deny","priority":200,"direction":"Inbound","protocol":"*","sourceAddressPrefix":"*","sourcePortRange":"*","destinationAddressPrefix":"*","destinationPortRanges":["22","8080-8090"]}}' });
    expect(edit).toBe(
      "az network nsg rule update --resource-group MC_rg --nsg-name aks-nsg --name deny-all \\\n  --priority 200 \\\n  --direction Inbound \\\n  --access Deny \\\n  --protocol '*' \\\n  --source-address-prefixes '*' \\\n  --source-port-ranges '*' \\\n  --destination-address-prefixes '*' \\\n  --destination-port-ranges 22 8080-8090",
    );
    expect(azEquivalent({ kind: 'nsg-delete-deny', target: nsg, change: `DELETE ${nsg}/securityRules/deny-10250` })).toBe('az network nsg rule delete --resource-group MC_rg --nsg-name aks-nsg --name deny-10250');
    expect(azEquivalent({ kind: 'nsg-allow-10250', target: nsg, change: `{"name":"x'; rm -rf /","properties":{"priority":100}}` })).toContain(`--name 'x'\\''; rm -rf /'`);
    expect(azEquivalent({ kind: 'ufw-allow-10250', target: 'node-1', change: 'ufw allow 10250' })).toBeUndefined();
  });

  it('links ARM ids only, each segment encoded', () => {
    expect(portalUrl(CLUSTER_ID)).toBe(`https://portal.azure.com/#resource${CLUSTER_ID}`);
    expect(portalUrl('kube-system/konnectivity-agent-1')).toBeUndefined();
    expect(portalUrl('/subscriptions/s/resourceGroups/r g/providers/Microsoft.Network/networkSecurityGroups/a#b')).toBe(
      'https://portal.azure.com/#resource/subscriptions/s/resourceGroups/r%20g/providers/Microsoft.Network/networkSecurityGroups/a%23b',
    );
  });

  it('every diagnosis card links its cluster in the portal', () => {
    for (const report of [healthyReport(), mixedReport(), egressBlockedReport(), allFailingReport(1000)]) {
      for (const locale of ['en', 'zh-CN'] as const) {
        const urls = ofType(diagnosisCard(report, { reportId: 'r'.repeat(22) }, locale), 'Action.OpenUrl').map((a) => a.url);
        expect(urls).toContain(`https://portal.azure.com/#resource${CLUSTER_ID}`);
      }
    }
  });
});

describe('the fix story on the diagnosis card', () => {
  const report = egressBlockedReport();
  const fixId = egressFix(report).id;
  const build = (request: ApprovalRequest, locale: 'en' | 'zh-CN' = 'en') => diagnosisCard(report, { reportId: 'r'.repeat(22), fixRequests: { [fixId]: request }, now: NOW }, locale);

  it('requested: who and when (a host time), expiry in minutes, and no Request button', () => {
    const card = build(requestOf(report, fixId));
    expectValidCard(card);
    const text = visibleText(card);
    expect(text).toContain('⏳ Waiting for approval');
    expect(text).toContain('Requested by On-call Engineer at {{DATE(2026-11-25T10:01:00Z, SHORT)}} {{TIME(2026-11-25T10:01:00Z)}}');
    expect(text).toContain('expires in 28 min');
    expect(requestButtons(card)).toEqual([]);
  });

  it('verified: approvers and the verdict, still no Request button', () => {
    const request = requestOf(report, fixId, {
      state: 'verified',
      approvals: [{ by: { ...APPROVER }, at: '2026-11-25T10:02:30.000Z' }],
      verification: { at: '2026-11-25T10:03:00.000Z', verdict: 'verified', detail: 'After: egress-tunnel-ports pass: …' },
    });
    const text = visibleText(build(request));
    expect(text).toContain('✅ Applied and verified');
    expect(text).toContain('approved by Team Lead at {{DATE(2026-11-25T10:02:30Z, SHORT)}}');
    expect(text).not.toContain('expires in');
    expect(requestButtons(build(request))).toEqual([]);
  });

  it('not needed (its target was already gone): grey, no failure detail', () => {
    const request = requestOf(report, fixId, { state: 'failed', execution: { startedAt: '2026-11-25T10:02:31.000Z', owner: 'i-1', result: 'failed', detail: 'Nothing was changed: gone', notNeeded: true } });
    const card = build(request);
    const line = ofType(card, 'TextBlock').find((t) => t.text === '➖ Not needed: its target was already gone');
    expect(line?.color).toBe('Default');
    expect(visibleText(card)).not.toContain('Nothing was changed: gone');
  });

  it('still failing: says why, in the re-check words', () => {
    const request = requestOf(report, fixId, {
      state: 'still-failing',
      verification: { at: '2026-11-25T10:03:00.000Z', verdict: 'still-failing', detail: 'Before: egress-tunnel-ports fail: x\nAfter: egress-tunnel-ports fail: still denied by rule Y' },
    });
    const text = visibleText(build(request));
    expect(text).toContain('⚠️ Applied, but the check still fails');
    expect(text).toContain('After: egress-tunnel-ports fail: still denied by rule Y');
  });
});

/**
 * An English sentence: four or more English words in a row. What a zh-CN card may show in English
 * is code, ids and commands: monospace runs (changes, evidence, node names) and names in facts.
 */
const ENGLISH_SENTENCE = /\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}\b){3,}/;

function proseOf(card: object): string[] {
  const texts: string[] = [];
  for (const o of typed(card)) {
    if (o.type === 'TextBlock' && o.fontType !== 'Monospace') texts.push(String(o.text));
    if (o.type === 'TextRun' && o.fontType !== 'Monospace') texts.push(String(o.text));
    if (typeof o.type === 'string' && o.type.startsWith('Action.') && typeof o.title === 'string') texts.push(o.title);
  }
  for (const fs of ofType(card, 'FactSet')) for (const f of fs.facts as Array<{ title: string; value: string }>) texts.push(f.title, f.value);
  return texts.map((t) => t.replace(/\{\{(DATE|TIME)\([^)]*\)\}\}/g, ''));
}

describe('zh-CN: no English sentence outside code, ids and commands', () => {
  const report = egressBlockedReport();
  const fixId = egressFix(report).id;

  it('the diagnosis card, before and after the fix was requested', () => {
    const requested = requestOf(report, fixId, { approvals: [{ by: { ...APPROVER }, at: '2026-11-25T10:02:30.000Z' }], state: 'approved' });
    for (const opts of [{}, { fixRequests: { [fixId]: requested }, now: NOW }]) {
      const card = diagnosisCard(report, { reportId: 'r'.repeat(22), ...opts }, 'zh-CN');
      expectValidCard(card);
      const english = proseOf(card).filter((t) => ENGLISH_SENTENCE.test(t));
      expect(english).toEqual([]);
    }
    // The check is not vacuous: the English card has such sentences.
    expect(proseOf(diagnosisCard(report, { reportId: 'r'.repeat(22) }, 'en')).some((t) => ENGLISH_SENTENCE.test(t))).toBe(true);
  });

  it('the mixed diagnosis card (unknown reasons, warnings, host fixes)', () => {
    const card = diagnosisCard(mixedReport(), { reportId: 'r'.repeat(22) }, 'zh-CN');
    expect(proseOf(card).filter((t) => ENGLISH_SENTENCE.test(t))).toEqual([]);
  });

  it('the approval card a Chinese approver signs, pending and verified', () => {
    const pending = requestOf(report, fixId);
    const verified = requestOf(report, fixId, {
      state: 'verified',
      approvals: [{ by: { ...APPROVER }, at: '2026-11-25T10:02:30.000Z' }],
      execution: { startedAt: '2026-11-25T10:02:31.000Z', owner: 'i-1', finishedAt: '2026-11-25T10:02:40.000Z', result: 'succeeded', detail: 'Rule AllowTunnelEgressTcp443 written to NSG aks-agentpool-12345678-nsg.', steps: [{ kind: 'recreate-tunnel-pods', result: 'succeeded', detail: 'Deleted 2 konnectivity-agent pods; their ReplicaSet recreates them.' }] },
      verification: { at: '2026-11-25T10:03:00.000Z', verdict: 'verified', detail: 'Before: egress-tunnel-ports fail: denied\nAfter: egress-tunnel-ports pass: allowed' },
    });
    for (const [request, buttons] of [
      [pending, { approve: true, reject: true, cancel: true }],
      [verified, { approve: false, reject: false, cancel: false }],
    ] as const) {
      const card = approvalCard({ request, state: request.state, buttons }, 'zh-CN');
      expectValidCard(card);
      expect(proseOf(card).filter((t) => ENGLISH_SENTENCE.test(t))).toEqual([]);
    }
  });
});

describe('checks that neither failed nor passed', () => {
  const unknownUfw = (report: Report): Report => ({
    ...report,
    checks: report.checks.map((c) =>
      c.id === 'ufw-10250' ? { ...c, status: 'unknown' as const, summary: 'Cannot tell whether UFW stops TCP 10250', unknownReason: { why: 'no run-command result', resolve: 'open outbound 443' } } : c,
    ),
  });
  const othersContainer = (card: object) => typed(card).find((o) => o.id === 'other-checks') as Json;
  const toggles = (card: object) => ofType(card, 'Action.ToggleVisibility').map((a) => a.title);

  it('sit behind one toggle under a root cause, so the cause and its fix lead the card', () => {
    const card = diagnosisCard(unknownUfw(egressBlockedReport()), { reportId: 'r'.repeat(22) }, 'en');
    expectValidCard(card);
    expect(othersContainer(card).isVisible).toBe(false);
    expect(toggles(card)).toContain('❔ 1 more to look at');
  });

  it('are the card when nothing failed', () => {
    const allPass = egressBlockedReport();
    allPass.checks = allPass.checks.map((c) => ({ ...c, status: 'pass' as const, fixes: [] }));
    const card = diagnosisCard(unknownUfw(allPass), { reportId: 'r'.repeat(22) }, 'en');
    expectValidCard(card);
    expect(othersContainer(card).isVisible).toBe(true);
    expect(toggles(card).some((t) => String(t).startsWith('❔'))).toBe(false);
    expect(visibleText(card)).toContain('Cannot tell whether UFW stops TCP 10250');
  });
});
