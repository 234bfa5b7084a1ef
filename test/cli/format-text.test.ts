/**
 * The text report shows the steps an approved plan runs after a fix (FixProposal.then) under the
 * fix's change; the JSON report carries them as the optional `then` field (an extension the
 * contract allows: scenario-format.md, "extend both freely (new optional fields)").
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatReportText } from '../../src/cli/format-text.js';
import type { Report } from '../../src/engine/report.js';
import { mixedReport } from '../cards/reports.js';
import { runCli } from '../support/cli-process.js';

const EGRESS_DEMO = path.resolve('scenarios/egress-443-blocked-konnectivity.json');


describe('formatReportText — "then" steps', () => {
  it('prints each step on its own line right under the fix it belongs to', () => {
    const report = mixedReport();
    const nsgFix = report.checks.find((c) => c.id === 'nsg-10250')!.fixes[0]!;
    nsgFix.then = [{ kind: 'recreate-tunnel-pods', change: 'restart the konnectivity-agent pods in kube-system' }];
    const lines = formatReportText(report).split('\n');
    const at = lines.findIndex((l) => l.trim() === nsgFix.change);
    expect(at).toBeGreaterThan(0);
    expect(lines[at - 1]).toContain(`fix (medium risk): ${nsgFix.title}`);
    expect(lines[at + 1]).toBe('         then: restart the konnectivity-agent pods in kube-system');
    expect(lines.filter((l) => l.includes('then:'))).toHaveLength(1);
  });

  it('prints no "then" line for a report whose fixes have none', () => {
    const report: Report = mixedReport();
    expect(formatReportText(report)).not.toMatch(/then:/);
  });
});

describe('tunnel-doctor diagnose aks-egress-443 (the featured egress demo)', () => {
  it('text: the egress fix, then the restart of the agents', async () => {
    const r = await runCli(['diagnose', 'aks-egress-443', '--scenario', EGRESS_DEMO]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/\[FAIL\] egress-tunnel-ports: NSG aks-agentpool-\d+-nsg rule Deny-Internet-HTTPS-Outbound/);
    expect(r.stdout).toMatch(/\[FAIL\] tunnel-agent-health: .*CrashLoopBackOff/);
    expect(r.stdout).toMatch(/fix \(medium risk\): Add outbound rule AllowTunnelEgressTcp443[^\n]*\n\s+\{"name":"AllowTunnelEgressTcp443"[^\n]*\n {9}then: restart the konnectivity-agent pods in kube-system/);
  });

  it('JSON: the fix carries `then` as an optional extension; the contract fields are unchanged', async () => {
    const r = await runCli(['diagnose', 'aks-egress-443', '--scenario', EGRESS_DEMO, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    const fix = report.checks.find((c) => c.id === 'egress-tunnel-ports')!.fixes.find((f) => f.kind === 'nsg-allow-egress')!;
    expect(Object.keys(fix)).toEqual(expect.arrayContaining(['id', 'kind', 'title', 'target', 'change', 'risk', 'needsApproval']));
    expect(fix.then).toEqual([{ kind: 'recreate-tunnel-pods', change: expect.stringMatching(/^restart the konnectivity-agent pods in kube-system/) }]);
    // The agents' own fixes restart a pod themselves: no extra step.
    for (const f of report.checks.find((c) => c.id === 'tunnel-agent-health')!.fixes) expect(f.then).toBeUndefined();
  });
});
