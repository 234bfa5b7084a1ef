/** The simulator's node host: command output rendered from scenario state, scripts, ground truth. */
export { runNodeScript, reduceIptablesListing } from './run-script.js';
export type { NetworkOracle, ScriptResult } from './run-script.js';
export { hostFirewallOutcome } from './firewall.js';
export { renderUfwStatusVerbose, renderIptablesList, renderIptablesChain } from './render.js';
export { ncMessage } from './nc.js';
