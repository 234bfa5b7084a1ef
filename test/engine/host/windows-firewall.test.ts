/**
 * The windows-firewall read: the simulator prints what the PowerShell script prints (CRLF lines,
 * PowerShell's True/False), the engine reads it back and judges it as Windows Defender Firewall
 * does — a block rule beats an allow rule, else the profile's default inbound action.
 */
import { describe, expect, it } from 'vitest';
import { parseWindowsFirewall, windowsFirewallVerdict } from '../../../src/engine/host/windows-firewall.js';
import { NODE_SCRIPTS, WINDOWS_FIREWALL_SCRIPT } from '../../../src/engine/node-scripts.js';
import type { ScenarioNode, WindowsFirewallState } from '../../../src/scenario/types.js';
import { runNodeScript } from '../../../src/sim/host/index.js';
import { windowsFirewallOutcome } from '../../../src/sim/host/windows-firewall.js';

function windowsNode(fw?: WindowsFirewallState, extra: Partial<ScenarioNode> = {}): ScenarioNode {
  return { vmss: '/subscriptions/s/resourceGroups/MC/providers/Microsoft.Compute/virtualMachineScaleSets/aksnpwin', instanceId: '0', computerName: 'aksnpwin000000', privateIp: '10.224.0.9', osType: 'Windows', powerState: 'running', ...(fw ? { windowsFirewall: fw } : {}), ...extra };
}

const read = (node: ScenarioNode) => parseWindowsFirewall(runNodeScript(node, [...WINDOWS_FIREWALL_SCRIPT.lines], [], { probe: () => 'open' }).stdout);
const ON = { enabled: true, defaultInboundAction: 'NotConfigured' as const };

describe('windows-firewall', () => {
  it('is a PowerShell script run-command sends as RunPowerShellScript', () => {
    expect(NODE_SCRIPTS['windows-firewall'].shell).toBe('powershell');
    expect(WINDOWS_FIREWALL_SCRIPT.lines.join('\n')).toContain('Get-NetFirewallPortFilter');
  });

  it('the default simulated node allows the kubelet, and the engine agrees with the simulator', () => {
    const node = windowsNode();
    const r = read(node);
    expect(r).toMatchObject({ complete: true, service: 'Running', listeners: ['kubelet'] });
    expect(r.profiles.map((p) => p.name)).toEqual(['Domain', 'Private', 'Public']);
    expect(windowsFirewallVerdict(r, '10.224.0.4').outcome).toBe('allow');
    expect(windowsFirewallOutcome(node, '10.224.0.4', 10250, 'tcp')).toBe('pass');
  });

  it('a block rule beats an allow rule, only for the sources it names', () => {
    const node = windowsNode({ profiles: { Public: ON }, rules: [
      { name: 'kubelet', action: 'Allow', localPort: '10250', remoteAddress: 'Any' },
      { name: 'block vnet', action: 'Block', localPort: '10000-11000', remoteAddress: '10.224.0.0/24' },
    ] });
    const r = read(node);
    expect(windowsFirewallVerdict(r, '10.224.0.4')).toMatchObject({ outcome: 'block', reason: expect.stringContaining('"block vnet"') });
    expect(windowsFirewallVerdict(r, '10.224.1.4').outcome).toBe('allow');
    expect(windowsFirewallOutcome(node, '10.224.0.4', 10250, 'tcp')).toBe('timeout');
    expect(windowsFirewallOutcome(node, '10.224.1.4', 10250, 'tcp')).toBe('pass');
  });

  it('no rule: the default inbound action decides (NotConfigured is Block); all profiles off filter nothing', () => {
    const closed = read(windowsNode({ profiles: { Domain: ON, Public: ON }, rules: [] }));
    expect(windowsFirewallVerdict(closed, '10.224.0.4')).toMatchObject({ outcome: 'block', reason: expect.stringContaining('NotConfigured (Block)') });
    const off = read(windowsNode({ profiles: { Public: { enabled: false, defaultInboundAction: 'Block' } }, rules: [] }));
    expect(windowsFirewallVerdict(off, '10.224.0.4').outcome).toBe('allow');
  });

  it('reads a stopped kubelet service and a cut output', () => {
    expect(read(windowsNode(undefined, { kubelet: { active: 'inactive' } }))).toMatchObject({ service: 'Stopped', nothingListens: true });
    expect(parseWindowsFirewall('profile Public enabled=True inbound=Block\r\n').complete).toBe(false);
  });
});
