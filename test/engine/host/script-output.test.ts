import { describe, expect, it } from 'vitest';
import { parseFixScriptOutput, parseHostFirewall, parseProbeEgress, parseProbeKubelet } from '../../../src/engine/host/script-output.js';
import { AKS_DROP_10250 } from './iptables-samples.js';

/** run-command keeps the last 4096 bytes of stdout. */
const tail4096 = (s: string): string => Buffer.from(s).subarray(-4096).toString('utf8');

describe('parseProbeKubelet', () => {
  const targets = ['10.224.0.4', '10.224.0.5', '10.224.0.6', '10.224.0.7'];
  const out = [
    'TD-BEGIN probe-kubelet',
    'timeout 10.224.0.5',
    'refused 10.224.0.6',
    'error 10.224.0.7 No route to host',
    'TD-SUMMARY open=1 timeout=1 refused=1 error=1',
    'TD-END',
    '',
  ].join('\n');

  it('reads failures and the summary, and fills in every target', () => {
    const r = parseProbeKubelet(out, targets);
    expect(r.complete).toBe(true);
    // An output from before the TLS check (no not-https=) still reads, as 0.
    expect(r.summary).toEqual({ open: 1, timeout: 1, refused: 1, error: 1, notHttps: 0 });
    expect(r.failures).toEqual([
      { ip: '10.224.0.5', outcome: 'timeout' },
      { ip: '10.224.0.6', outcome: 'refused' },
      { ip: '10.224.0.7', outcome: 'error', reason: 'No route to host' },
    ]);
    expect(r.byTarget).toEqual({ '10.224.0.4': 'open', '10.224.0.5': 'timeout', '10.224.0.6': 'refused', '10.224.0.7': 'error' });
  });

  it('is incomplete when the head was cut, when counts disagree or the script refused its input', () => {
    expect(parseProbeKubelet(out.replace('TD-BEGIN probe-kubelet\n', ''), targets).complete).toBe(false);
    const wrong = parseProbeKubelet(out, [...targets, '10.224.0.8']);
    expect(wrong.complete).toBe(false);
    expect(wrong.problems[0]).toMatch(/summary covers 4 targets, 5 were asked for/);
    expect(parseProbeKubelet(out.replace('refused 10.224.0.6\n', ''), targets).problems[0]).toMatch(/do not add up/);
    const refused = parseProbeKubelet('TD-BEGIN probe-kubelet\nTD-ERROR invalid parameter PORT\nTD-END\n');
    expect(refused).toMatchObject({ complete: false, scriptErrors: ['invalid parameter PORT'] });
  });

  it('rebuilds elided failures from TD-OUTCOMES, so 1000 targets fit in 4096 bytes', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `10.224.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    const lines = ['TD-BEGIN probe-kubelet'];
    let used = 0;
    let elided = 0;
    for (const ip of many) {
      const line = `timeout ${ip}`;
      if (used + line.length + 1 <= 2000) { lines.push(line); used += line.length + 1; } else elided++;
    }
    lines.push(`TD-ELIDED ${elided}`, `TD-OUTCOMES ${'t'.repeat(1000)}`, 'TD-SUMMARY open=0 timeout=1000 refused=0 error=0', 'TD-END', '');
    const text = lines.join('\n');
    expect(Buffer.byteLength(text)).toBeLessThan(4096);
    const r = parseProbeKubelet(tail4096(text), many);
    expect(r.complete).toBe(true);
    expect(r.elided).toBe(elided);
    expect(r.failures).toHaveLength(1000);
    expect(Object.values(r.byTarget ?? {}).every((o) => o === 'timeout')).toBe(true);
  });
});

describe('parseHostFirewall', () => {
  const ufw = [
    'Status: active', 'Logging: on (low)', 'Default: deny (incoming), allow (outgoing), disabled (routed)', 'New profiles: skip', '',
    'To                         Action      From', '--                         ------      ----',
    '22/tcp                     ALLOW IN    Anywhere                  ', '22/tcp (v6)                ALLOW IN    Anywhere (v6)             ', '',
  ].join('\n');
  const full = `TD-BEGIN host-firewall\n### ufw status verbose\n${ufw}\n### iptables --list --line-numbers\n${AKS_DROP_10250.replace(/\n+$/, '')}\nTD-END\n`;

  it('splits the two sections and parses both', () => {
    const r = parseHostFirewall(full);
    expect(r).toMatchObject({ complete: true, ufwComplete: true, iptablesComplete: true, iptablesReduced: false });
    expect(r.ufw).toMatchObject({ active: true, defaultIncoming: 'deny' });
    expect(r.ufw?.rules).toHaveLength(2);
    expect(r.iptables?.chains['INPUT']?.rules[0]?.match).toBe('tcp dpt:10250');
  });

  it('when the head is cut the ufw section is gone but a whole iptables section is still used', () => {
    const cut = full.slice(full.indexOf('### iptables'));
    const r = parseHostFirewall(cut);
    expect(r).toMatchObject({ complete: false, ufwComplete: false, iptablesComplete: true });
    expect(r.ufw).toBeUndefined();
    expect(r.iptables?.chains['INPUT']?.policy).toBe('ACCEPT');
  });

  const current = `TD-BEGIN host-firewall\n### iptables --list --line-numbers\n${AKS_DROP_10250.replace(/\n+$/, '')}\n### ufw status verbose\n${ufw}\nTD-END\n`;

  it('reads the current order too (iptables first, ufw last)', () => {
    const r = parseHostFirewall(current);
    expect(r).toMatchObject({ complete: true, ufwComplete: true, iptablesComplete: true, droppedChains: [] });
    expect(r.ufw?.rules).toHaveLength(2);
    expect(r.iptables?.chains['INPUT']?.rules[0]?.match).toBe('tcp dpt:10250');
    expect(r.iptables?.unparsed).toEqual([]);
  });

  it('in the current order a cut head costs only the iptables section', () => {
    const r = parseHostFirewall(current.slice(current.indexOf('Chain FORWARD')));
    expect(r).toMatchObject({ complete: false, ufwComplete: true, iptablesComplete: false });
    expect(r.iptablesText).toBeUndefined();
    expect(r.ufw).toMatchObject({ active: true, defaultIncoming: 'deny' });
  });

  it('without TD-END neither section counts as whole', () => {
    const r = parseHostFirewall(current.replace('TD-END\n', ''));
    expect(r).toMatchObject({ complete: false, ufwComplete: false, iptablesComplete: true });
  });

  it('collects dropped chains onto the listing, for the verdict', () => {
    const r = parseHostFirewall([
      'TD-BEGIN host-firewall', '### iptables --list --line-numbers',
      'TD-NOTE iptables listing reduced to INPUT and the chains it reaches; full listing 5120 bytes',
      'TD-NOTE iptables listing cut to fit',
      'Chain INPUT (policy DROP)', 'num  target     prot opt source               destination         ',
      '1    ufw-before-input  all  --  anywhere             anywhere            ',
      'TD-NOTE dropped-chain ufw-before-input',
      '### ufw status verbose', 'Status: inactive', 'TD-END', '',
    ].join('\n'));
    expect(r).toMatchObject({ complete: true, ufwComplete: true, iptablesComplete: true, iptablesReduced: true, droppedChains: ['ufw-before-input'] });
    expect(r.iptables?.droppedChains).toEqual(['ufw-before-input']);
    expect(r.iptables?.unparsed).toEqual([]);
    expect(r.notes).toContain('iptables listing cut to fit');
  });

  it('notes a reduced listing and a node without ufw', () => {
    const r = parseHostFirewall([
      'TD-BEGIN host-firewall', '### ufw status verbose', 'ufw: not installed', '### iptables --list --line-numbers',
      'TD-NOTE iptables listing reduced to INPUT and the chains it reaches; full listing 20480 bytes',
      'Chain INPUT (policy DROP)', 'num  target     prot opt source               destination         ', 'TD-END', '',
    ].join('\n'));
    expect(r).toMatchObject({ complete: true, iptablesReduced: true });
    expect(r.ufw?.installed).toBe(false);
    expect(r.notes[0]).toMatch(/full listing 20480 bytes/);
    expect(r.iptables?.unparsed).toEqual([]);
  });
});

describe('parseProbeEgress', () => {
  it.each([
    ['Connection to aks-prod.hcp.eastus.azmk8s.io 443 port [tcp/https] succeeded!', 'open'],
    ['nc: connect to aks-prod.hcp.eastus.azmk8s.io port 9000 (tcp) timed out: Operation now in progress', 'timeout'],
    ['nc: connect to 20.81.112.7 port 1194 (tcp) failed: Connection refused', 'refused'],
    ['Connection to 20.81.112.7 1194 port [udp/openvpn] succeeded!', 'unverifiable-udp'],
    ['nc: getaddrinfo for host "aks-prod.hcp.eastus.azmk8s.io" port 443: Temporary failure in name resolution', 'error'],
  ])('%s → %s', (nc, result) => {
    const r = parseProbeEgress(`TD-BEGIN probe-egress\n${nc}\nresult ${result}\nTD-END\n`);
    expect(r).toMatchObject({ complete: true, result, raw: nc });
  });

  it('without a result line it is incomplete', () => {
    expect(parseProbeEgress('TD-BEGIN probe-egress\nTD-ERROR invalid parameter HOST\nTD-END\n')).toMatchObject({ complete: false, scriptErrors: ['invalid parameter HOST'] });
  });
});

describe('parseFixScriptOutput', () => {
  it('reads the command, its output, exit code and the state shown afterwards', () => {
    const r = parseFixScriptOutput([
      'TD-BEGIN iptables-delete-rule', '$ iptables --delete INPUT 9', 'iptables: Index of deletion too big.', 'TD-RESULT exit=1',
      '### iptables --list INPUT --line-numbers', 'Chain INPUT (policy ACCEPT)', 'num  target     prot opt source               destination         ', 'TD-END', '',
    ].join('\n'), 'iptables-delete-rule');
    expect(r).toMatchObject({
      complete: true, command: 'iptables --delete INPUT 9', exitCode: 1, output: 'iptables: Index of deletion too big.',
      after: { heading: 'iptables --list INPUT --line-numbers' },
    });
    expect(r.after?.text).toMatch(/^Chain INPUT \(policy ACCEPT\)/);
  });
});
