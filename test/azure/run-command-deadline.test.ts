/**
 * Run-command returns its result over the node's own outbound 443 (Learn, "Run scripts in your Linux
 * VM by using action Run Commands", Restrictions). The simulated Azure withholds results from a node
 * whose path to AzureCloud:443 is blocked; the bot gives every poller a deadline and reports a probe
 * that never returned as unknown, saying why. Deadlines are made small here through the layer
 * options; nothing below measures time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAzureLayer } from '../../src/azure/clients.js';
import { runShellScript } from '../../src/azure/compute.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import { HOST_FIREWALL_SCRIPT } from '../../src/engine/node-scripts.js';
import type { Scenario } from '../../src/scenario/types.js';
import { EXAMPLE_IDS, exampleScenario, startSimForTest, type SimForTest } from '../support/sim.js';

const REF = { id: EXAMPLE_IDS.cluster, name: 'aks-prod-eastus', resourceGroup: 'rg-prod', subscriptionId: EXAMPLE_IDS.subscriptionId, location: 'eastus' };
const DENY_443 = {
  name: 'Deny-HTTPS-Outbound',
  properties: { priority: 200, direction: 'Outbound', access: 'Deny', protocol: 'Tcp', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: 'Internet', destinationPortRange: '443' },
};

function egressDenied(): Scenario {
  const s = exampleScenario();
  const nsg = s.resources.find((r) => r.id.toLowerCase() === EXAMPLE_IDS.nsg.toLowerCase())!;
  const rules = (nsg.properties!.securityRules ??= []) as unknown[];
  rules.push({ ...DENY_443, id: `${EXAMPLE_IDS.nsg}/securityRules/${DENY_443.name}`, type: 'Microsoft.Network/networkSecurityGroups/securityRules' });
  return s;
}

let t: SimForTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('run-command results need the node\'s outbound 443', () => {
  it('no result comes back from a node whose 443 egress is denied: the deadline ends the wait with a named reason; once the path opens the result is reported', async () => {
    t = await startSimForTest([egressDenied()]);
    const layer = createAzureLayer({ mode: 'simulated', endpoint: t.sim.url, fast: true, deadlines: { runCommandMs: 1500 } });
    await expect(runShellScript(layer, EXAMPLE_IDS.vmss, '0', HOST_FIREWALL_SCRIPT.lines)).rejects.toMatchObject({
      code: 'RunCommandNoResult',
      userMessage: expect.stringMatching(/returned no run-command result within 2 s.*TCP 443 to AzureCloud/),
    });
    // The withheld command still holds the VM, as on Azure (it cannot be cancelled).
    await expect(runShellScript(layer, EXAMPLE_IDS.vmss, '0', HOST_FIREWALL_SCRIPT.lines)).rejects.toMatchObject({ code: expect.stringMatching(/RunCommandNoResult|RunCommandBusy/) });
    // Open the path: the pending result is reported and the VM is free again.
    await t.layer.network(EXAMPLE_IDS.subscriptionId).securityRules.beginDeleteAndWait(EXAMPLE_IDS.nodeResourceGroup, 'aks-agentpool-12345678-nsg', DENY_443.name);
    const patient = createAzureLayer({ mode: 'simulated', endpoint: t.sim.url, fast: true });
    const out = await runShellScript(patient, EXAMPLE_IDS.vmss, '0', HOST_FIREWALL_SCRIPT.lines);
    expect(out.stdout).toMatch(/Chain INPUT/);
  });

  it('a node with open egress answers', async () => {
    t = await startSimForTest([exampleScenario()]);
    const layer = createAzureLayer({ mode: 'simulated', endpoint: t.sim.url, fast: true, deadlines: { runCommandMs: 60_000 } });
    expect((await runShellScript(layer, EXAMPLE_IDS.vmss, '0', HOST_FIREWALL_SCRIPT.lines)).stdout).toMatch(/Chain INPUT/);
  });

  it('a diagnosis reports the silent probes as unknown, naming the blocked path to AzureCloud:443, and still finishes', async () => {
    t = await startSimForTest([egressDenied()]);
    const layer = createAzureLayer({ mode: 'simulated', endpoint: t.sim.url, fast: true, deadlines: { runCommandMs: 1500 } });
    const report = await diagnoseCluster(layer, REF, { checks: ALL_CHECKS });
    const check = (id: string) => report.checks.find((c) => c.id === id)!;
    for (const id of ['ufw-10250', 'iptables-10250']) {
      expect(check(id).status, id).toBe('unknown');
      expect(check(id).summary, id).toMatch(/never returned the run-command result.*AzureCloud:443 is probably blocked/);
    }
    // The NSG that blocks it is read from ARM: egress fails on evidence, not on the silence.
    expect(check('egress-tunnel-ports').status).toBe('fail');
    expect(check('egress-tunnel-ports').summary).toMatch(/Deny-HTTPS-Outbound/);
  });
});
