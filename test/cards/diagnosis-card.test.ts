import { describe, expect, it } from 'vitest';
import {
  CARD_BYTE_BUDGET,
  CARD_CONTENT_TYPE,
  CHECK_TITLES,
  STATUS_LOOK,
  asAttachment,
  diagnosisCard,
} from '../../src/app/cards/index.js';
import { CHECK_IDS, type FixProposal, type Report } from '../../src/engine/report.js';
import { recreateTunnelPodsStep, withTunnelRestart } from '../../src/engine/fixes/plan-steps.js';
import { TEAMS_CARD_LIMIT_BYTES, cardSizeBytes, expectValidCard } from '../support/validate-card.js';
import { markdownTexts, ofType, typed, unexpanded, visibleText, type Json } from './card-walk.js';
import { CLUSTER_ID, NSG_FIX_CHANGE, UFW_FIX_CHANGE, allFailingReport, healthyReport, mixedReport, nodeName } from './reports.js';

const headline = (card: object) => String((ofType(card, 'TextBlock')[0] as Json).text);
const checkRows = (card: object) => typed(card).filter((o) => typeof o.id === 'string' && (o.id as string).startsWith('check-'));
const factsOf = (card: object) =>
  Object.fromEntries(ofType(card, 'FactSet').flatMap((fs) => (fs.facts as Array<{ title: string; value: string }>).map((f) => [f.title, f.value])));

describe('diagnosisCard — healthy report without checks', () => {
  const card = diagnosisCard(healthyReport());

  it('is a valid 1.5 card (renderer, schema, size)', () => {
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
  });

  it('says the tunnel is healthy, in the good colour', () => {
    expect(headline(card)).toBe('✅ Tunnel healthy on aks-prod');
    expect((ofType(card, 'Container')[0] as Json).style).toBe('good');
    expect((ofType(card, 'TextBlock')[0] as Json).color).toBe('Good');
  });

  it('shows the cluster facts', () => {
    expect(factsOf(card)).toEqual({
      Cluster: 'aks-prod',
      'Resource group': 'rg-prod',
      Location: 'westeurope',
      Tunnel: 'konnectivity (egress TCP 443)',
      'API server': 'Public',
      'Outbound type': 'loadBalancer',
      Kubernetes: '1.30.4',
      Nodes: '3',
      'Node pools': 'nodepool1 (System, Linux, 3 × Standard_D4s_v5)',
      'Node resource group': 'MC_rg-prod_aks-prod_westeurope',
    });
  });

  it('shows no check rows, no placeholders, no toggle but the cluster details, no affected nodes', () => {
    expect(checkRows(card)).toEqual([]);
    expect(ofType(card, 'Action.ToggleVisibility').map((t) => t.targetElements)).toEqual([['cluster-details']]);
    const text = visibleText(card);
    expect(text).not.toContain('Checks');
    expect(text).not.toContain('Affected nodes');
    for (const title of Object.values(CHECK_TITLES)) expect(text).not.toContain(title);
  });

  it('offers to diagnose again, by cluster id', () => {
    const submit = ofType(card, 'Action.Submit');
    expect(submit).toHaveLength(1);
    expect(submit[0]?.data).toEqual({
      action: 'diagnose',
      clusterId: CLUSTER_ID,
      msteams: { type: 'messageBack', text: `diagnose ${CLUSTER_ID}`, displayText: 'diagnose aks-prod in rg-prod' },
    });
  });

  it('leaves out facts the report does not have', () => {
    const bare = healthyReport();
    bare.cluster = { id: bare.cluster.id, name: 'aks-min', tunnel: 'tunnel-front', private: true, outboundType: 'userDefinedRouting', nodeCount: 2 };
    const c = diagnosisCard(bare);
    expectValidCard(c);
    expect(factsOf(c)).toEqual({
      Cluster: 'aks-min',
      Tunnel: 'tunnel-front (egress TCP 9000)',
      'API server': 'Private',
      'Outbound type': 'userDefinedRouting',
      Nodes: '2',
    });
  });
});

describe('diagnosisCard — all six checks, mixed statuses', () => {
  const report = mixedReport();
  const card = diagnosisCard(report);

  it('is a valid 1.5 card', () => {
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
  });

  it('counts the causes in the headline, in the attention colour', () => {
    expect(headline(card)).toBe('❌ 2 causes found on aks-prod');
    expect((ofType(card, 'Container')[0] as Json).style).toBe('attention');
    expect(visibleText(card)).toContain('6 checks: 2 failed · 1 warning · 1 unknown · 1 passed · 1 not applicable — took 47 s');
  });

  it('has one row per check: failures first, then warnings and unknowns, then the passed ones, each in the contract order', () => {
    const rows = checkRows(card);
    const rank = { fail: 0, warn: 1, unknown: 1, pass: 2, 'not-applicable': 2 } as const;
    const expected = [...report.checks].sort((a, b) => rank[a.status] - rank[b.status] || CHECK_IDS.indexOf(a.id) - CHECK_IDS.indexOf(b.id));
    expect(rows.map((r) => r.id)).toEqual(expected.map((c) => `check-${c.id}`));
    for (const check of report.checks) {
      const row = rows.find((r) => r.id === `check-${check.id}`) as Json;
      const look = STATUS_LOOK[check.status];
      if (rank[check.status] === 2) {
        // Passed checks sit in the collapsed list, one line each.
        expect(ofType(row, 'TextRun').map((r) => r.text)).toEqual([`${look.icon} `, CHECK_TITLES[check.id], ` — ${check.summary}`]);
        continue;
      }
      expect(ofType(row, 'TextBlock')[0]).toMatchObject({ text: `${look.icon} ${CHECK_TITLES[check.id]}`, color: look.color });
      expect(ofType(row, 'TextRun').map((r) => r.text)).toContain(check.summary.length <= 160 ? check.summary : expect.stringMatching(/…$/));
    }
  });

  it('collapses the passed checks behind one toggle that counts them', () => {
    const toggle = ofType(card, 'Action.ToggleVisibility').find((t) => (t.targetElements as string[])[0] === 'passed-checks') as Json;
    expect(toggle.title).toBe('✅ 1 passed');
    expect(typed(card).find((o) => o.id === 'passed-checks')?.isVisible).toBe(false);
  });

  it('puts the cluster facts on one line, the full facts behind a toggle', () => {
    expect(ofType(card, 'TextBlock').map((t) => t.text)).toContain('rg-prod · westeurope · Kubernetes 1.30.4 · 3 nodes · konnectivity (egress TCP 443)');
    expect(typed(card).find((o) => o.id === 'cluster-details')?.isVisible).toBe(false);
  });

  it('links the cluster in the Azure portal', () => {
    const links = ofType(card, 'Action.OpenUrl');
    expect(links.map((l) => l.url)).toContain(`https://portal.azure.com/#resource${CLUSTER_ID}`);
  });

  it('puts the evidence behind a toggle, hidden until asked', () => {
    const nsgRow = checkRows(card).find((r) => r.id === 'check-nsg-10250') as Json;
    const toggle = ofType(nsgRow, 'Action.ToggleVisibility').find((t) => (t.targetElements as string[])[0] === 'evidence-nsg-10250') as Json;
    expect(toggle.title).toBe('Evidence (2)');
    expect(toggle.targetElements).toEqual(['evidence-nsg-10250']);
    const details = typed(nsgRow).find((o) => o.id === 'evidence-nsg-10250') as Json;
    expect(details.isVisible).toBe(false);
    const detailText = visibleText(details);
    expect(detailText).toContain('deny-kubelet: priority 200, Inbound, Deny, Tcp, * -> *:10250');
    expect(detailText).toContain('nsg-rule · aks-agentpool-12345678-nsg');
    expect(detailText).toContain(`${nodeName(1)}, ${nodeName(2)}`);
    // A check with nothing to show has no toggle at all.
    const passRow = checkRows(card).find((r) => r.id === 'check-iptables-10250') as Json;
    expect(ofType(passRow, 'Action.ToggleVisibility')).toEqual([]);
  });

  it('shows every proposed fix with its exact change, in monospace, with risk and warnings', () => {
    const runs = ofType(card, 'TextRun');
    for (const change of [NSG_FIX_CHANGE, UFW_FIX_CHANGE, 'kubectl delete pod -n kube-system konnectivity-agent-6d9f7c8b5-q8w2n']) {
      const run = runs.find((r) => r.text === change);
      expect(run, change).toBeDefined();
      expect(run?.fontType).toBe('Monospace');
    }
    const text = visibleText(card);
    expect(text).toContain('🔧 Allow TCP 10250 from the node subnet above deny-kubelet');
    expect(runs.some((r) => r.text === 'Risk medium' && r.color === 'Warning')).toBe(true);
    expect(runs.some((r) => r.text === 'Risk low' && r.color === 'Good')).toBe(true);
    expect(text).toContain('⚠️ AKS reconciles the NSGs it manages');
    expect(text).toContain('needs approval');
  });

  it('says why a check is unknown and what would resolve it', () => {
    const text = visibleText(checkRows(card).find((r) => r.id === 'check-egress-tunnel-ports') as Json);
    expect(text).toContain('run-command on aks-nodepool1-12345678-vmss000000 answered 409 Conflict three times');
    expect(text).toContain('Wait for the running extension operation to finish, then diagnose again');
  });

  it('lists the affected nodes and the notes', () => {
    const text = visibleText(card);
    expect(text).toContain('Affected nodes (2)');
    expect(text).toContain(`${nodeName(1)}, ${nodeName(2)}`);
    expect(text).toContain('⚠️ Could not read NSG on the NIC');
  });

  it('is wrapped as a Bot Framework attachment', () => {
    expect(asAttachment(card)).toEqual({ contentType: CARD_CONTENT_TYPE, content: card });
    expect(CARD_CONTENT_TYPE).toBe('application/vnd.microsoft.card.adaptive');
  });
});

describe('diagnosisCard — a node nothing else explains', () => {
  it('leads with a failing kubelet-reachability; a passing one keeps its contract place', () => {
    const report = mixedReport();
    const reach = { id: 'kubelet-reachability' as const, status: 'fail' as const, summary: `${nodeName(0)} does not answer on TCP 10250 from the tunnel agents and none of the known causes explains it — read next: …`, nodes: [nodeName(0)], evidence: [], fixes: [] };
    report.checks.push(reach);
    const card = diagnosisCard(report);
    expectValidCard(card);
    expect(checkRows(card)[0]?.id).toBe('check-kubelet-reachability');
    expect(visibleText(checkRows(card)[0] as Json)).toContain('none of the known causes explains it');
    report.checks[report.checks.length - 1] = { ...reach, status: 'pass', nodes: [], summary: 'Every running node (3) answers on TCP 10250 from the tunnel agents' };
    expect(checkRows(diagnosisCard(report)).at(-1)?.id).toBe('check-kubelet-reachability');
  });
});

describe('diagnosisCard — verdicts', () => {
  it('says "incomplete" when a check is unknown and none failed', () => {
    const report = mixedReport();
    report.checks = report.checks.filter((c) => c.status !== 'fail');
    const card = diagnosisCard(report);
    expectValidCard(card);
    expect(headline(card)).toBe('⚠️ Diagnosis incomplete on aks-prod');
    expect((ofType(card, 'Container')[0] as Json).style).toBe('warning');
  });

  it('says "1 cause" in the singular', () => {
    const report = mixedReport();
    report.checks = report.checks.filter((c) => c.id !== 'nsg-10250');
    expect(headline(diagnosisCard(report))).toBe('❌ 1 cause found on aks-prod');
  });
});

describe('diagnosisCard — 1000 nodes, every check failing on every node', () => {
  const report = allFailingReport(1000);
  const card = diagnosisCard(report);

  it('stays a valid card under the Teams limit', () => {
    expectValidCard(card);
    const size = cardSizeBytes(card);
    expect(size).toBeLessThan(TEAMS_CARD_LIMIT_BYTES);
    expect(size).toBeLessThanOrEqual(CARD_BYTE_BUDGET);
  });

  it('still has all six rows and the verdict', () => {
    // The agents' crash loop is explained by the blocked egress: one root cause fewer, its row kept
    // (with its own fixes) because no egress fix here restarts the agents.
    expect(headline(card)).toBe('❌ 5 causes found on aks-prod');
    expect(checkRows(card)).toHaveLength(6);
  });

  it('summarises node lists past 10', () => {
    const text = visibleText(card);
    expect(text).toContain('Affected nodes (1000)');
    const affected = ofType(card, 'TextRun').find((r) => String(r.text).startsWith(nodeName(0)) && String(r.text).includes('990 more'));
    expect(affected?.text).toBe(`${Array.from({ length: 10 }, (_, i) => nodeName(i)).join(', ')} and 990 more`);
    expect(JSON.stringify(card)).not.toContain(nodeName(10) + ',');
  });

  it('keeps the first fix of each check with its change verbatim', () => {
    const changes = ofType(card, 'TextRun').filter((r) => r.fontType === 'Monospace').map((r) => r.text);
    for (const check of report.checks) expect(changes).toContain(check.fixes[0]?.change);
  });

  it('says how much was left out rather than dropping it silently', () => {
    const text = visibleText(card);
    expect(text).toMatch(/and \d+ more proposed fixes \(all in the JSON report/);
    expect(text).toMatch(/and \d+ more notes \(all in the JSON report/);
  });
});

describe('diagnosisCard — outside text cannot become a link or markup', () => {
  const hostile = (): Report => {
    const report = mixedReport();
    report.cluster.name = 'aks-[click me](https://evil.example/x)';
    report.cluster.nodeResourceGroup = 'see <https://evil.example> and www.evil.example {{DATE(2017-02-14T06:08:39Z, SHORT)}}';
    const nsg = report.checks.find((c) => c.id === 'nsg-10250');
    if (nsg) {
      nsg.summary = 'rule [details](javascript:alert(1)) at https://evil.example ${cluster.id}';
      nsg.fixes[0]!.title = 'Fix [it](https://evil.example)';
    }
    return report;
  };
  const card = diagnosisCard(hostile());

  it('is still valid', () => expectValidCard(card));

  it('breaks link syntax and bare URLs in markdown text', () => {
    // The card's own time expressions are the one `{{…}}` allowed (the report's finish time).
    const ownTime = /\{\{(DATE\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, SHORT\)|TIME\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\))\}\}/g;
    for (const text of markdownTexts(card)) {
      expect(text.replace(ownTime, '')).not.toMatch(/\]\(|\]\[|<https?:|:\/\/|www\.|\{\{/i);
    }
  });

  it('breaks bare URLs in prose TextRuns, and keeps ${…} literal', () => {
    const summary = ofType(card, 'TextRun').find((r) => String(r.text).startsWith('rule [details]'));
    expect(String(summary?.text)).not.toContain('://');
    expect(String(summary?.text)).toContain('${cluster.id}');
  });

  it('reads the same once the invisible breaks are removed', () => {
    expect(headline(card).replace(/\u200B/g, '')).toBe('❌ 2 causes found on aks-[click me](https://evil.example/x)');
  });
});

describe('diagnosisCard — a fix with steps the plan runs after it ("Then:")', () => {
  const EGRESS_CHANGE =
    '{"name":"AllowTunnelEgressTcp443","properties":{"protocol":"Tcp","destinationPortRange":"443","destinationAddressPrefix":"AzureCloud","access":"Allow","priority":299,"direction":"Outbound"}}';
  const egressFix = (): FixProposal =>
    withTunnelRestart(
      {
        id: 'egress-tunnel-ports:allow:1',
        kind: 'nsg-allow-egress',
        title: 'Add outbound rule AllowTunnelEgressTcp443 ahead of Deny-Internet-HTTPS-Outbound (300)',
        target: '/subscriptions/x/resourceGroups/mc/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-12345678-nsg',
        change: EGRESS_CHANGE,
        risk: 'medium',
        needsApproval: true,
      },
      'konnectivity-agent',
    );
  const withThen = (): Report => {
    const report = mixedReport();
    const egress = report.checks.find((c) => c.id === 'egress-tunnel-ports')!;
    Object.assign(egress, { status: 'fail', summary: 'NSG rule Deny-Internet-HTTPS-Outbound denies TCP 443 to the API server', fixes: [egressFix()] });
    delete egress.unknownReason;
    return report;
  };
  const step = recreateTunnelPodsStep('konnectivity-agent').change;
  /** The fix's container: the one whose items hold the fix title. */
  const fixBox = (card: object, title: string) =>
    ofType(card, 'Container').find((c) => (c.items as Json[] | undefined)?.some((i) => i.type === 'TextBlock' && String(i.text) === `🔧 ${title}`)) as Json;

  it('shows each step as "Then: …" under the exact change and its az equivalent, in the fix it belongs to', () => {
    const card = diagnosisCard(withThen(), { reportId: 'r-1' });
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    const box = fixBox(card, egressFix().title);
    const details = typed(box).find((o) => typeof o.id === 'string' && o.isVisible === false) as Json;
    const items = details.items as Json[];
    const changeAt = items.findIndex((i) => ofType(i, 'TextRun').some((r) => r.text === JSON.stringify(JSON.parse(EGRESS_CHANGE), null, 2)));
    expect(changeAt).toBeGreaterThanOrEqual(0);
    expect(visibleText(items[changeAt + 1] as Json)).toContain('az network nsg rule create --resource-group mc --nsg-name aks-agentpool-12345678-nsg --name AllowTunnelEgressTcp443');
    const next = ofType(items[changeAt + 2] as Json, 'TextRun');
    expect(next.map((r) => r.text)).toEqual(['Then: ', step]);
    expect(next[0]?.weight).toBe('Bolder');
    expect(step).toMatch(/^restart the konnectivity-agent pods in kube-system/);
  });

  it('shows no "Then:" for fixes without steps', () => {
    const card = diagnosisCard(withThen());
    const thenRuns = ofType(card, 'TextRun').filter((r) => r.text === 'Then: ');
    expect(thenRuns).toHaveLength(1);
    expect(visibleText(fixBox(card, 'Allow TCP 10250 from the node subnet above deny-kubelet'))).not.toContain('Then:');
  });

  it('says the fix, its step and its warnings in Chinese, rendered from the fix kind and data', () => {
    const card = diagnosisCard(withThen(), { reportId: 'r-1' }, 'zh-CN');
    expectValidCard(card);
    const title = '在 NSG aks-agentpool-12345678-nsg 中添加出站规则 AllowTunnelEgressTcp443（优先级 299），放行隧道到 API 服务器的出站流量';
    const runs = ofType(fixBox(card, title), 'TextRun').map((r) => r.text);
    expect(runs).toContain('随后：');
    expect(runs.some((r) => String(r).startsWith('重启 kube-system 中的隧道代理 Pod'))).toBe(true);
    expect(runs).not.toContain(step);
    expect(runs).not.toContain('Then: ');
  });

  it('keeps a 1000-node card with a step on every fix under the limit, the first fix still with its step', () => {
    const report = allFailingReport(1000);
    for (const check of report.checks) for (const fix of check.fixes) fix.then = [recreateTunnelPodsStep('konnectivity-agent')];
    for (const locale of ['en', 'zh-CN'] as const) {
      const card = diagnosisCard(report, { reportId: 'r-1' }, locale);
      expectValidCard(card);
      expect(cardSizeBytes(card)).toBeLessThanOrEqual(CARD_BYTE_BUDGET);
      const texts = ofType(card, 'TextRun').map((r) => String(r.text));
      // The agents' own fixes are covered by the egress fix's restart: one check shows none.
      expect(texts.filter((t) => t === (locale === 'en' ? 'Then: ' : '随后：')).length).toBeGreaterThanOrEqual(report.checks.length - 1);
      expect(texts.some((t) => t.startsWith(locale === 'en' ? 'restart the konnectivity-agent pods' : '重启 kube-system 中的隧道代理 Pod'))).toBe(true);
    }
  });
});
