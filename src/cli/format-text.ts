/** The report as a terminal reads it: the verdict first, then one line per check. */
import type { Report } from '../engine/report.js';

const MARK: Record<string, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', unknown: '????', 'not-applicable': 'n/a ' };

export function formatReportText(report: Report): string {
  const c = report.cluster;
  const lines = [
    `Cluster ${c.name} (${c.id})`,
    `  tunnel: ${c.tunnel}   ${c.private ? 'private' : 'public'} API server   outbound: ${c.outboundType}   nodes: ${c.nodeCount}` +
      (c.kubernetesVersion ? `   Kubernetes ${c.kubernetesVersion}` : ''),
  ];
  for (const p of c.nodePools ?? []) lines.push(`  pool ${p.name}: ${p.count} × ${p.vmSize ?? '?'} (${p.osType}${p.mode ? `, ${p.mode}` : ''})`);
  if (c.nodeResourceGroup) lines.push(`  node resource group: ${c.nodeResourceGroup}`);
  for (const w of report.warnings ?? []) lines.push(`  warning: ${w}`);
  if (report.checks.length > 0) lines.push('');
  // A failing kubelet-reachability leads: no other check points at the nodes it names.
  const leads = (id: string, status: string) => (id === 'kubelet-reachability' && status === 'fail' ? 0 : 1);
  const checks = [...report.checks].sort((a, b) => leads(a.id, a.status) - leads(b.id, b.status));
  for (const check of checks) {
    lines.push(`[${MARK[check.status] ?? check.status}] ${check.id}: ${check.summary}`);
    if (check.nodes.length > 0) {
      const shown = check.nodes.slice(0, 10).join(', ');
      lines.push(`       nodes: ${shown}${check.nodes.length > 10 ? ` and ${check.nodes.length - 10} more` : ''}`);
    }
    if (check.unknownReason) lines.push(`       why: ${check.unknownReason.why}; to resolve: ${check.unknownReason.resolve}`);
    for (const fix of check.fixes) {
      lines.push(`       fix (${fix.risk} risk): ${fix.title}\n         ${fix.change}`);
      // Steps the approved plan runs after the change (FixProposal.then): part of what is approved.
      for (const step of fix.then ?? []) lines.push(`         then: ${step.change}`);
    }
  }
  return lines.join('\n') + '\n';
}
