/**
 * For the fix tests: a simulated Azure serving scenario files, a real diagnosis of a cluster in
 * it, and the fixes that diagnosis proposes.
 */
import path from 'node:path';
import { parseArmId } from '../../../src/azure/arm-id.js';
import { ALL_CHECKS } from '../../../src/engine/checks/index.js';
import { diagnoseCluster } from '../../../src/engine/diagnose.js';
import type { ClusterRef } from '../../../src/cluster-ref.js';
import type { CheckId, FixProposal, Report } from '../../../src/engine/report.js';
import { loadScenarioFile } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/types.js';
import { startSimForTest, type SimForTest } from '../../support/sim.js';

export const scenario = (name: string): Scenario => loadScenarioFile(path.resolve('scenarios', `${name}.json`));

export function clusterOf(s: Scenario): ClusterRef {
  const r = s.resources.find((x) => x.type.toLowerCase() === 'microsoft.containerservice/managedclusters');
  if (!r) throw new Error(`${s.title}: no managed cluster`);
  const id = parseArmId(r.id);
  return { id: r.id, name: r.name, resourceGroup: id.resourceGroup, subscriptionId: id.subscriptionId };
}

export interface FixEnv extends SimForTest {
  cluster: ClusterRef;
  diagnose(): Promise<Report>;
  /** NSG writes (whole-NSG and security-rule PUTs), run-commands and cluster PUTs the sim has served so far. */
  writes(): { rulePuts: number; runCommands: number; clusterPuts: number };
}

export async function startFixEnv(main: Scenario, others: Scenario[] = []): Promise<FixEnv> {
  const env = await startSimForTest([main, ...others]);
  const cluster = clusterOf(main);
  return {
    ...env,
    cluster,
    diagnose: () => diagnoseCluster(env.layer, cluster, { checks: ALL_CHECKS }),
    writes: () => {
      const s = env.sim.stats();
      return { rulePuts: (s.byRoute['securityRules.createOrUpdate'] ?? 0) + (s.byRoute['nsg.createOrUpdate'] ?? 0), runCommands: s.runCommands, clusterPuts: s.byRoute['managedClusters.createOrUpdate'] ?? 0 };
    },
  };
}

export function fixOf(report: Report, check: CheckId, kind: string): FixProposal {
  const fix = report.checks.find((c) => c.id === check)?.fixes.find((f) => f.kind === kind);
  if (!fix) throw new Error(`no ${kind} fix from ${check}: ${JSON.stringify(report.checks.map((c) => [c.id, c.status, c.fixes.map((f) => f.kind)]))}`);
  return fix;
}

export const statusOf = (report: Report, check: CheckId) => report.checks.find((c) => c.id === check)?.status;

/**
 * aks-egress-nsg as it looks in real life: the only block is the outbound NSG rule (no block
 * outside ARM's view), and the konnectivity agents that cannot reach the API server crash-loop.
 */
export function egressDeniedByNsg(): Scenario {
  const s = scenario('egress-443-nsg-outbound-deny');
  s.egress = { blocked: [] };
  for (const p of s.pods ?? []) {
    if (p.labels?.app === 'konnectivity-agent') Object.assign(p, { restarts: 14, waitingReason: 'CrashLoopBackOff', lastTermination: { reason: 'Error', exitCode: 1 } });
  }
  return s;
}
