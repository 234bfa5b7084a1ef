/**
 * Which failing check explains another. The checks run independently, so one fault can fail two of
 * them: a blocked egress (egress-tunnel-ports) or exhausted SNAT ports (snat-exhaustion) leaves the
 * tunnel agents unable to reach the API server, and they crash-loop (tunnel-agent-health). Shown as
 * two causes, the user gets two sets of buttons for one problem; shown as one root cause with its
 * consequence, they get one plan that fixes both (the root's fix restarts the agents afterwards:
 * FixProposal.then, src/engine/fixes/plan-steps.ts).
 *
 * Microsoft's troubleshooting article lists egress and SNAT as causes of the agents' failure to
 * connect ("Tunnel connectivity issues", https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/connectivity/tunnel-connectivity-issues).
 * Pure: reads the report only.
 */
import type { CheckId, CheckResult, FixProposal, Report } from './report.js';

/** Checks whose failure cuts the tunnel agents off the API server, and so explains their crash loop. */
const EXPLAINS: ReadonlyArray<{ cause: CheckId; consequence: CheckId }> = [
  { cause: 'egress-tunnel-ports', consequence: 'tunnel-agent-health' },
  { cause: 'snat-exhaustion', consequence: 'tunnel-agent-health' },
];

export interface CauseLink {
  cause: CheckId;
  consequence: CheckId;
  /** A fix of the cause whose approved plan also clears the consequence (restarts the agents). */
  coveredBy?: string;
}

/** A root cause (a failing check nothing else explains) and the failing checks it explains. */
export interface RootCause {
  check: CheckResult;
  consequences: CheckResult[];
  /** True when a fix of this cause also clears every consequence: their own fixes are not needed. */
  planCoversConsequences: boolean;
}

function clearsTunnelAgents(fix: FixProposal): boolean {
  return (fix.then ?? []).some((step) => step.kind === 'recreate-tunnel-pods');
}

/** The links between failing checks of `report`; each consequence is linked to its first failing cause. */
export function causeLinks(report: Pick<Report, 'checks'>): CauseLink[] {
  const failing = new Map(report.checks.filter((c) => c.status === 'fail').map((c) => [c.id, c] as const));
  const links: CauseLink[] = [];
  const linked = new Set<CheckId>();
  for (const { cause, consequence } of EXPLAINS) {
    const root = failing.get(cause);
    if (!root || !failing.has(consequence) || linked.has(consequence)) continue;
    linked.add(consequence);
    const covering = root.fixes.find(clearsTunnelAgents);
    links.push({ cause, consequence, ...(covering ? { coveredBy: covering.id } : {}) });
  }
  return links;
}

/** The failing checks as root causes, in the report's order, each with the consequences it explains. */
export function rootCauses(report: Pick<Report, 'checks'>): RootCause[] {
  const links = causeLinks(report);
  const explained = new Set(links.map((l) => l.consequence));
  return report.checks
    .filter((c) => c.status === 'fail' && !explained.has(c.id))
    .map((check) => {
      const mine = links.filter((l) => l.cause === check.id);
      const consequences = mine.map((l) => report.checks.find((c) => c.id === l.consequence)).filter((c): c is CheckResult => c !== undefined);
      return { check, consequences, planCoversConsequences: mine.length > 0 && mine.every((l) => l.coveredBy !== undefined) };
    });
}
