import { describe, expect, it } from 'vitest';
import {
  MAX_PROBE_TARGETS, NODE_SCRIPTS, ScriptParameterError, iptablesDeleteRuleParameters, iptablesInsertAcceptParameters,
  probeEgressParameters, probeKubeletParameters, scriptHeaderId, scriptParameterNames, scriptRejectsParameter, validateScriptParameters,
} from '../../../src/engine/node-scripts.js';

describe('the constant node scripts', () => {
  it('each starts with its header, has no shebang, no CR and reads only known parameters', () => {
    for (const [id, script] of Object.entries(NODE_SCRIPTS)) {
      expect(script.id).toBe(id);
      expect(script.lines[0]).toBe(`# tunnel-doctor-script: ${id}`);
      expect(scriptHeaderId(script.lines)).toBe(id);
      const text = script.lines.join('\n');
      expect(text).not.toMatch(/^#!/m);
      expect(text).not.toContain('\r');
      expect(text).toContain(`TD-BEGIN ${id}`);
      expect(text).toContain('TD-END');
      // Every upper-case variable the script expands is one of its parameters (or its own TD_ ones).
      const used = new Set([...text.matchAll(/\$([A-Z][A-Z_]*)\b/g)].map((m) => m[1] as string).filter((v) => !v.startsWith('TD_')));
      expect([...used].sort()).toEqual(scriptParameterNames(script.id).sort());
    }
  });

  it('never expands a parameter unquoted', () => {
    for (const script of Object.values(NODE_SCRIPTS)) {
      for (const line of script.lines) {
        if (line.trimStart().startsWith('#')) continue;
        for (const name of scriptParameterNames(script.id)) {
          // outside of double quotes: strip "…" spans, then look for $NAME
          const bare = line.replace(/"(?:[^"\\]|\\.)*"/g, '""');
          expect(bare.includes(`$${name}`), `${script.id}: ${line}`).toBe(false);
        }
      }
    }
  });
});

describe('validateScriptParameters', () => {
  it('accepts well-formed values and returns them in the script\'s order', () => {
    expect(validateScriptParameters('probe-kubelet', { TARGETS: '10.224.0.4,10.224.0.5', PORT: '10250' })).toEqual([
      { name: 'PORT', value: '10250' }, { name: 'TARGETS', value: '10.224.0.4,10.224.0.5' },
    ]);
    expect(validateScriptParameters('host-firewall', [])).toEqual([]);
    expect(probeEgressParameters('aks-prod-eastus-dns-12345678.hcp.eastus.azmk8s.io', 443, 'tcp')).toHaveLength(3);
    expect(probeEgressParameters('20.81.112.7', 1194, 'udp')[0]).toEqual({ name: 'HOST', value: '20.81.112.7' });
    expect(iptablesDeleteRuleParameters('KUBE-FIREWALL', 2)).toEqual([{ name: 'CHAIN', value: 'KUBE-FIREWALL' }, { name: 'RULE_NUMBER', value: '2' }]);
    expect(iptablesDeleteRuleParameters('ufw-user-input', 1)[0]?.value).toBe('ufw-user-input');
    expect(iptablesInsertAcceptParameters('INPUT', '10.224.0.0/16')[1]).toEqual({ name: 'SOURCE_CIDR', value: '10.224.0.0/16' });
    const many = Array.from({ length: MAX_PROBE_TARGETS }, (_, i) => `10.${Math.floor(i / 250)}.${i % 250}.1`);
    expect(probeKubeletParameters(many)[1]?.value.split(',')).toHaveLength(MAX_PROBE_TARGETS);
  });

  it.each([
    ['probe-kubelet', { PORT: '10250', TARGETS: '10.224.0.4 10.224.0.5' }, /TARGETS must be IPv4 addresses separated by commas/],
    ['probe-kubelet', { PORT: '10250', TARGETS: '10.224.0.4,1.2.3.4; rm -rf /' }, /TARGETS/],
    ['probe-kubelet', { PORT: '10250', TARGETS: '10.224.0.256' }, /"10.224.0.256", which is not a dotted-quad/],
    ['probe-kubelet', { PORT: '10250', TARGETS: '010.224.0.4' }, /not a dotted-quad/],
    ['probe-kubelet', { PORT: '10250', TARGETS: '' }, /1 to 1000 addresses/],
    ['probe-kubelet', { PORT: '0', TARGETS: '10.224.0.4' }, /PORT must be a TCP\/UDP port/],
    ['probe-kubelet', { PORT: '65536', TARGETS: '10.224.0.4' }, /PORT/],
    ['probe-kubelet', { PORT: '10250 ', TARGETS: '10.224.0.4' }, /PORT/],
    ['probe-kubelet', { PORT: '1e4', TARGETS: '10.224.0.4' }, /PORT/],
    ['probe-kubelet', { TARGETS: '10.224.0.4' }, /needs parameter PORT/],
    ['probe-kubelet', { PORT: '10250', TARGETS: '10.224.0.4', EXTRA: 'x' }, /no parameter named "EXTRA"/],
    ['probe-egress', { HOST: 'example.com; reboot', PORT: '443', PROTO: 'tcp' }, /HOST must be a fully qualified host name/],
    ['probe-egress', { HOST: '-oProxyCommand=x', PORT: '443', PROTO: 'tcp' }, /HOST/],
    ['probe-egress', { HOST: '999.1.1.1', PORT: '443', PROTO: 'tcp' }, /looks like an IPv4 address/],
    ['probe-egress', { HOST: `${'a'.repeat(64)}.example.com`, PORT: '443', PROTO: 'tcp' }, /HOST/],
    ['probe-egress', { HOST: 'example.com', PORT: '443', PROTO: 'icmp' }, /PROTO must be "tcp" or "udp"/],
    ['iptables-delete-rule', { CHAIN: 'INPUT; iptables -F', RULE_NUMBER: '1' }, /CHAIN must be an iptables chain name/],
    ['iptables-delete-rule', { CHAIN: 'input', RULE_NUMBER: '1' }, /CHAIN/],
    ['iptables-delete-rule', { CHAIN: `K${'X'.repeat(28)}`, RULE_NUMBER: '1' }, /CHAIN/],
    ['iptables-delete-rule', { CHAIN: 'INPUT', RULE_NUMBER: '10001' }, /RULE_NUMBER must be a rule number/],
    ['iptables-delete-rule', { CHAIN: 'INPUT', RULE_NUMBER: '-1' }, /RULE_NUMBER/],
    ['iptables-delete-rule', { CHAIN: 'INPUT', RULE_NUMBER: '01' }, /RULE_NUMBER/],
    ['iptables-insert-accept', { CHAIN: 'INPUT', SOURCE_CIDR: '10.224.0.0/33' }, /SOURCE_CIDR must be an IPv4 address or CIDR/],
    ['iptables-insert-accept', { CHAIN: 'INPUT', SOURCE_CIDR: '$(reboot)' }, /SOURCE_CIDR/],
    ['nope', {}, /Unknown node script "nope"/],
  ])('%s %j is refused', (id, params, message) => {
    expect(() => validateScriptParameters(id, params as Record<string, string>)).toThrow(message);
    try { validateScriptParameters(id, params as Record<string, string>); } catch (e) {
      expect(e).toBeInstanceOf(ScriptParameterError);
      expect((e as ScriptParameterError).userMessage).toMatch(message);
    }
  });

  it('refuses a parameter given twice and more than the target limit', () => {
    expect(() => validateScriptParameters('probe-egress', [
      { name: 'HOST', value: 'a.example.com' }, { name: 'HOST', value: 'b.example.com' }, { name: 'PORT', value: '443' }, { name: 'PROTO', value: 'tcp' },
    ])).toThrow(/given twice/);
    const tooMany = Array.from({ length: MAX_PROBE_TARGETS + 1 }, (_, i) => `10.${Math.floor(i / 250)}.${i % 250}.1`);
    expect(() => probeKubeletParameters(tooMany)).toThrow(/1 to 1000/);
  });

  it('scriptRejectsParameter mirrors the bash checks (probe-kubelet checks only the count of TARGETS)', () => {
    expect(scriptRejectsParameter('probe-kubelet', { PORT: '10250', TARGETS: 'junk, 10.0.0.1' })).toBeUndefined();
    expect(scriptRejectsParameter('probe-kubelet', { PORT: '10250', TARGETS: ' , ' })).toBe('TARGETS');
    expect(scriptRejectsParameter('probe-kubelet', { TARGETS: '10.0.0.1' })).toBe('PORT');
    expect(scriptRejectsParameter('probe-egress', { HOST: 'x.example.com', PORT: '443', PROTO: 'sctp' })).toBe('PROTO');
    expect(scriptRejectsParameter('iptables-insert-accept', { CHAIN: 'INPUT' })).toBe('SOURCE_CIDR');
  });
});
