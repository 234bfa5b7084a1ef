/**
 * What the bot's node scripts check in their own inputs, as the simulated node reads it from the
 * scripts' bash (the `[[ "$X" =~ re ]]` tests and the byte budgets they print within), so the
 * simulator answers `TD-ERROR invalid parameter <NAME>` exactly where bash would. Written here,
 * not borrowed from src/engine/node-scripts.ts: the simulator is the engine's oracle.
 * test/sim/host/script-inputs.test.ts compares these with the engine's validators over generated
 * values, and test/sim/host/bash-parity.test.ts runs the real scripts under bash.
 */

export const SCRIPT_IDS = ['probe-kubelet', 'host-firewall', 'probe-egress', 'ufw-allow-kubelet', 'ufw-disable', 'iptables-delete-rule', 'iptables-insert-accept', 'windows-firewall'] as const;
export type SimScriptId = (typeof SCRIPT_IDS)[number];

/** probe-kubelet refuses fewer than 1 or more than this many TARGETS. */
export const MAX_TARGETS = 1000;
/** Bytes host-firewall allows for ufw status plus the iptables listing. */
export const FIREWALL_BUDGET = 3800;
/** Bytes host-firewall allows for its further reads (kubelet state, listeners, iptables -S …). */
export const NODE_READS_BUDGET = 1400;
/** Bytes of that which `nft list ruleset` may take. */
export const NFT_BUDGET = 700;
/** Bytes probe-kubelet allows for per-target failure lines before it elides them. */
export const PROBE_DETAIL_BYTES = 2000;

const HEADER = '# tunnel-doctor-script: ';

export function isSimScriptId(id: string): id is SimScriptId {
  return (SCRIPT_IDS as readonly string[]).includes(id);
}

/** The id in the script's first line, `# tunnel-doctor-script: <id>`. */
export function headerId(text: string): string | undefined {
  const first = text.replace(/\r\n/g, '\n').split('\n')[0] ?? '';
  return first.startsWith(HEADER) ? first.slice(HEADER.length).trim() : undefined;
}

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^(${OCTET}\\.){3}${OCTET}$`);
const CIDR = new RegExp(`^(${OCTET}\\.){3}${OCTET}(/(3[0-2]|[12]?[0-9]))?$`);
const NUMBER = /^[1-9][0-9]{0,4}$/;
const CHAIN = /^([A-Z][A-Z0-9_-]{0,27}|(ufw6?|cali)-[A-Za-z0-9_-]{1,23})$/;
const LABEL = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const FQDN = new RegExp(`^(${LABEL}\\.)+${LABEL}\\.?$`);

export function isDottedQuad(value: string): boolean {
  return IPV4.test(value);
}

/** TARGETS as the script splits it: `tr ', \t' '\n\n\n'`, empty lines skipped. */
export function targetsOf(value: string): string[] {
  return value.split(/[, \t\n]+/).filter((s) => s.length > 0);
}

type Check = (value: string) => boolean;
const port: Check = (v) => NUMBER.test(v) && Number(v) <= 65535;
const host: Check = (v) => v.length <= 253 && FQDN.test(v) && (!/^[0-9.]+$/.test(v) || IPV4.test(v));

/** Each script's checks, in the order its bash runs them. */
const CHECKS: Readonly<Record<SimScriptId, ReadonlyArray<readonly [string, Check]>>> = {
  'probe-kubelet': [['PORT', port], ['TARGETS', (v) => targetsOf(v).length >= 1 && targetsOf(v).length <= MAX_TARGETS]],
  'host-firewall': [],
  'probe-egress': [['HOST', host], ['PORT', port], ['PROTO', (v) => v === 'tcp' || v === 'udp']],
  'ufw-allow-kubelet': [],
  'ufw-disable': [],
  'iptables-delete-rule': [['CHAIN', (v) => CHAIN.test(v)], ['RULE_NUMBER', (v) => NUMBER.test(v) && Number(v) <= 10000]],
  'iptables-insert-accept': [['CHAIN', (v) => CHAIN.test(v)], ['SOURCE_CIDR', (v) => CIDR.test(v)]],
  'windows-firewall': [],
};

/** The first parameter the script would refuse, or undefined. */
export function refusedParameter(id: SimScriptId, env: Readonly<Record<string, string | undefined>>): string | undefined {
  return CHECKS[id].find(([name, check]) => !check(env[name] ?? ''))?.[0];
}
