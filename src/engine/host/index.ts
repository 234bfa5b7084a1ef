/** The node-host vertical of the engine: parsers of what the node scripts print, and verdicts. */
export { parseUfwStatusVerbose, ufwVerdict } from './ufw.js';
export type { UfwStatus, UfwStatusRule, UfwPolicy, UfwFlow, UfwVerdict } from './ufw.js';
export { parseIptablesList } from './iptables.js';
export type { IptablesListing, IptablesChainListing, IptablesRow } from './iptables.js';
export { iptablesVerdict } from './iptables-verdict.js';
export type { IptablesFlow, IptablesVerdict, IptablesVerdictOptions, IptablesStep } from './iptables-verdict.js';
export { parseProbeKubelet, parseHostFirewall, parseProbeEgress, parseFixScriptOutput } from './script-output.js';
export type {
  KubeletProbeResult, KubeletProbeFailure, KubeletProbeOutcome, HostFirewallResult,
  EgressProbeResult, EgressProbeOutcome, FixScriptResult,
} from './script-output.js';
export { portFromText, serviceName } from './ports.js';
