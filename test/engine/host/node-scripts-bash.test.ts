/**
 * The constant node scripts run by real bash, with stub nc / ufw / iptables on PATH: they are
 * valid bash, probe in parallel, keep hostile parameter values inert, check their inputs exactly
 * as validateScriptParameters does, and print what the parsers expect.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HOST_FIREWALL_SCRIPT, IPTABLES_DELETE_RULE_SCRIPT, IPTABLES_INSERT_ACCEPT_SCRIPT, NODE_SCRIPTS, PROBE_EGRESS_SCRIPT,
  PROBE_KUBELET_SCRIPT, probeKubeletParameters, scriptRejectsParameter, validateScriptParameters, type NodeScriptId, type ScriptParameter,
} from '../../../src/engine/node-scripts.js';
import { parseHostFirewall, parseProbeEgress, parseProbeKubelet } from '../../../src/engine/host/script-output.js';
import { BashNode, KUBELET_LISTENING } from './bash-node.js';

let node: BashNode;
beforeEach(() => { node = new BashNode(); });
afterEach(() => node.dispose());

const timeoutMsg = (ip: string): string => `nc: connect to ${ip} port 10250 (tcp) timed out: Operation now in progress\n`;

describe('node scripts under real bash', () => {
  it('are valid bash (the PowerShell one for Windows nodes aside)', async () => {
    for (const script of Object.values(NODE_SCRIPTS).filter((s) => s.shell !== 'powershell')) {
      const path = join(node.dir, `${script.id}.sh`);
      writeFileSync(path, `${script.lines.join('\n')}\n`);
      const r = spawnSync('/bin/bash', ['-n', path], { encoding: 'utf8' });
      expect(r.stderr, script.id).toBe('');
      expect(r.status, script.id).toBe(0);
    }
  });

  it('probe-kubelet prints the failures and a summary, with parameters from the environment or the platform prelude', async () => {
    node.answer('nc', ['10.224.0.4', '10250', 'tcp'], { stderr: 'Connection to 10.224.0.4 10250 port [tcp/*] succeeded!\n' });
    node.answer('nc', ['10.224.0.5', '10250', 'tcp'], { stderr: timeoutMsg('10.224.0.5'), exitCode: 1 });
    node.answer('nc', ['10.224.0.6', '10250', 'tcp'], { stderr: 'nc: connect to 10.224.0.6 port 10250 (tcp) failed: Connection refused\n', exitCode: 1 });
    node.answer('nc', ['10.224.0.7', '10250', 'tcp'], { stderr: 'nc: connect to 10.224.0.7 port 10250 (tcp) failed: No route to host\n', exitCode: 1 });
    const params = probeKubeletParameters(['10.224.0.4', '10.224.0.5', '10.224.0.6', '10.224.0.7']);
    const expected = [
      'TD-BEGIN probe-kubelet', 'timeout 10.224.0.5', 'refused 10.224.0.6', 'error 10.224.0.7 No route to host',
      'TD-SUMMARY open=1 timeout=1 refused=1 error=1 not-https=0', 'TD-END', '',
    ].join('\n');
    for (const mode of ['env', 'prelude'] as const) {
      const r = await node.run(PROBE_KUBELET_SCRIPT, params, { mode });
      expect(r.stderr, mode).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout, mode).toBe(expected);
    }
    // nc is always called with the address and port as separate, whole arguments.
    expect(node.calls().filter((c) => c.startsWith('nc ')).sort()).toEqual([
      'nc -v -z -w 2 10.224.0.4 10250', 'nc -v -z -w 2 10.224.0.4 10250',
      'nc -v -z -w 2 10.224.0.5 10250', 'nc -v -z -w 2 10.224.0.5 10250',
      'nc -v -z -w 2 10.224.0.6 10250', 'nc -v -z -w 2 10.224.0.6 10250',
      'nc -v -z -w 2 10.224.0.7 10250', 'nc -v -z -w 2 10.224.0.7 10250',
    ]);
  });

  it('probe-kubelet probes in parallel', async () => {
    const targets = Array.from({ length: 48 }, (_, i) => `10.224.1.${i + 1}`);
    for (const ip of targets) node.answer('nc', [ip, '10250', 'tcp'], { stderr: timeoutMsg(ip), exitCode: 1 });
    const r = await node.run(PROBE_KUBELET_SCRIPT, probeKubeletParameters(targets), { ncDelay: 0.5 });
    expect(r.stdout).toContain('TD-SUMMARY open=0 timeout=48 refused=0 error=0');
    // Parallelism is asserted by overlap, not by wall time (speed belongs in the benchmark).
    expect(node.maxConcurrentNc()).toBeGreaterThanOrEqual(16);
  });

  it('probe-kubelet keeps 1000 failing targets under 4096 bytes, complete', async () => {
    const targets = Array.from({ length: 1000 }, (_, i) => `10.224.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    targets.forEach((ip, i) => {
      if (i % 2 === 0) node.answer('nc', [ip, '10250', 'tcp'], { stderr: timeoutMsg(ip), exitCode: 1 });
      else node.answer('nc', [ip, '10250', 'tcp'], { stderr: `Connection to ${ip} 10250 port [tcp/*] succeeded!\n` });
    });
    const r = await node.run(PROBE_KUBELET_SCRIPT, probeKubeletParameters(targets));
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(4096);
    const parsed = parseProbeKubelet(r.stdout, targets);
    expect(parsed).toMatchObject({ complete: true, summary: { open: 500, timeout: 500, refused: 0, error: 0 } });
    expect(parsed.elided).toBeGreaterThan(0);
    targets.forEach((ip, i) => expect(parsed.byTarget?.[ip]).toBe(i % 2 === 0 ? 'timeout' : 'open'));
  });

  it('says so when nc is missing', async () => {
    node.remove('nc');
    const r = await node.run(PROBE_KUBELET_SCRIPT, probeKubeletParameters(['10.224.0.4']));
    expect(r).toMatchObject({ stdout: 'TD-BEGIN probe-kubelet\nTD-ERROR nc is not installed\nTD-END\n', exitCode: 3 });
  });

  it('host-firewall prints both sections, iptables first and ufw last; without ufw it says "not installed"', async () => {
    node.remove('ufw');
    node.answer('iptables', ['--list', '--line-numbers'], { stdout: 'Chain INPUT (policy DROP)\nnum  target     prot opt source               destination         \n' });
    const r = await node.run(HOST_FIREWALL_SCRIPT);
    expect(r.stdout).toBe([
      'TD-BEGIN host-firewall', '### iptables --list --line-numbers',
      'Chain INPUT (policy DROP)', 'num  target     prot opt source               destination         ',
      '### kubelet', 'active active', `listen ${KUBELET_LISTENING.trim()}`, '### nft list ruleset', '### iptables -S', '-P INPUT ACCEPT',
      '### ufw status verbose', 'ufw: not installed', 'TD-END', '',
    ].join('\n'));
    expect(parseHostFirewall(r.stdout)).toMatchObject({ complete: true, ufw: { installed: false } });
  });

  it('probe-egress names the result of each kind of nc answer', async () => {
    const host = 'aks-prod-eastus-dns-12345678.hcp.eastus.azmk8s.io';
    const cases: Array<[string, string, { stderr?: string; exitCode?: number }, string]> = [
      ['443', 'tcp', { stderr: `Connection to ${host} 443 port [tcp/https] succeeded!\n` }, 'open'],
      ['9000', 'tcp', { stderr: `nc: connect to ${host} port 9000 (tcp) timed out: Operation now in progress\n`, exitCode: 1 }, 'timeout'],
      ['1194', 'udp', { stderr: `Connection to ${host} 1194 port [udp/openvpn] succeeded!\n` }, 'unverifiable-udp'],
      ['1195', 'udp', { stderr: '', exitCode: 1 }, 'refused'],
      ['444', 'tcp', { stderr: `nc: getaddrinfo for host "${host}" port 444: Temporary failure in name resolution\n`, exitCode: 1 }, 'error'],
    ];
    for (const [port, proto, reply, result] of cases) {
      node.answer('nc', [host, port, proto], reply);
      const r = await node.run(PROBE_EGRESS_SCRIPT, validateScriptParameters('probe-egress', { HOST: host, PORT: port, PROTO: proto }));
      expect(parseProbeEgress(r.stdout), `${port}/${proto}`).toMatchObject({ complete: true, result });
    }
    expect(node.calls()).toContain(`nc -v -z -u -w 3 ${host} 1194`);
  });
});

describe('hostile parameter values stay inert', () => {
  const hostile = ['$(touch pwned)', '`touch pwned`', '1.2.3.4; touch pwned', "INPUT' ; touch pwned; '", 'INPUT\ntouch pwned', '-F', '10.0.0.0/8 -j DROP'];
  const cases: Array<[NodeScriptId, string, Record<string, string>]> = [
    ['probe-egress', 'HOST', { PORT: '443', PROTO: 'tcp' }],
    ['probe-egress', 'PORT', { HOST: 'example.com', PROTO: 'tcp' }],
    ['probe-egress', 'PROTO', { HOST: 'example.com', PORT: '443' }],
    ['iptables-delete-rule', 'CHAIN', { RULE_NUMBER: '1' }],
    ['iptables-delete-rule', 'RULE_NUMBER', { CHAIN: 'INPUT' }],
    ['iptables-insert-accept', 'CHAIN', { SOURCE_CIDR: '10.224.0.0/16' }],
    ['iptables-insert-accept', 'SOURCE_CIDR', { CHAIN: 'INPUT' }],
    ['probe-kubelet', 'PORT', { TARGETS: '10.224.0.4' }],
  ];

  it.each(cases)('%s %s', async (id, name, others) => {
    for (const value of hostile) {
      const params: ScriptParameter[] = [...Object.entries(others).map(([n, v]) => ({ name: n, value: v })), { name, value }];
      expect(() => validateScriptParameters(id, params), value).toThrow();
      const r = await node.run(NODE_SCRIPTS[id], params);
      expect(r.stdout, value).toContain(`TD-ERROR invalid parameter ${name}`);
      expect(r.exitCode).toBe(2);
      expect(existsSync(join(node.dir, 'pwned')), value).toBe(false);
      expect(node.calls().filter((c) => !c.startsWith('nc ') || c.includes('pwned')), value).toEqual([]);
    }
  });

  it('probe-kubelet calls a node whose 10250 answers TLS-less in plain HTTP not-https (real curl codes: fixtures/plain-http-listener.txt)', async () => {
    node.answer('nc', ['10.224.0.4', '10250', 'tcp'], { stderr: 'Connection to 10.224.0.4 10250 port [tcp/*] succeeded!\n' });
    node.answer('nc', ['10.224.0.5', '10250', 'tcp'], { stderr: 'Connection to 10.224.0.5 10250 port [tcp/*] succeeded!\n' });
    const curl = (scheme: string, ip: string) => ['-s' + (scheme === 'https' ? 'k' : ''), '-o', '/dev/null', '-m', '3', '-w', '%{http_code}', `${scheme}://${ip}:10250/healthz`];
    node.answer('curl', curl('https', '10.224.0.4'), { stdout: '000', exitCode: 35 });
    node.answer('curl', curl('http', '10.224.0.4'), { stdout: '404' });
    node.answer('curl', curl('https', '10.224.0.5'), { stdout: '401', exitCode: 0 });
    const r = await node.run(PROBE_KUBELET_SCRIPT, probeKubeletParameters(['10.224.0.4', '10.224.0.5']));
    expect(r.stdout).toBe(['TD-BEGIN probe-kubelet', 'not-https 10.224.0.4 http-404', 'TD-SUMMARY open=1 timeout=0 refused=0 error=0 not-https=1', 'TD-END', ''].join('\n'));
    expect(parseProbeKubelet(r.stdout, ['10.224.0.4', '10.224.0.5']).byTarget).toEqual({ '10.224.0.4': 'not-https', '10.224.0.5': 'open' });
    // Go's TLS server (the kubelet) answers plain HTTP with 400: still a TLS server, not not-https.
    node.answer('curl', curl('http', '10.224.0.4'), { stdout: '400' });
    expect((await node.run(PROBE_KUBELET_SCRIPT, probeKubeletParameters(['10.224.0.4']))).stdout).toContain('TD-SUMMARY open=1 timeout=0 refused=0 error=0 not-https=0');
    node.remove('curl');
    const without = await node.run(PROBE_KUBELET_SCRIPT, probeKubeletParameters(['10.224.0.4']));
    expect(without.stdout).toContain('TD-SUMMARY open=1 timeout=0 refused=0 error=0 not-https=0');
  });

  it('probe-kubelet turns hostile TARGETS into invalid-target lines, never into nc arguments', async () => {
    node.answer('nc', ['10.224.0.4', '10250', 'tcp'], { stderr: 'Connection to 10.224.0.4 10250 port [tcp/*] succeeded!\n' });
    const r = await node.run(PROBE_KUBELET_SCRIPT, [{ name: 'PORT', value: '10250' }, { name: 'TARGETS', value: '10.224.0.4,$(touch pwned),`touch pwned`,-e/bin/sh' }]);
    expect(r.stdout).toBe([
      'TD-BEGIN probe-kubelet', 'error ??touch invalid-target', 'error pwned? invalid-target', 'error ?touch invalid-target', 'error pwned? invalid-target',
      'error -e/bin/sh invalid-target', 'TD-SUMMARY open=1 timeout=0 refused=0 error=5 not-https=0', 'TD-END', '',
    ].join('\n'));
    expect(existsSync(join(node.dir, 'pwned'))).toBe(false);
    // nc once, then curl's TLS question to the one address that answered; nothing else.
    expect(node.calls()).toEqual(['nc -v -z -w 2 10.224.0.4 10250', String.raw`curl -sk -o /dev/null -m 3 -w %\{http_code\} https://10.224.0.4:10250/healthz`]);
  });
});

describe('the scripts check their inputs exactly as validateScriptParameters does', () => {
  const samples: Array<[NodeScriptId, string, Record<string, string>, string[]]> = [
    ['iptables-delete-rule', 'CHAIN', { RULE_NUMBER: '1' }, [
      'INPUT', 'KUBE-FIREWALL', 'KUBE-SVC-ABCDEFGHIJKLMNOP', 'A', `K${'X'.repeat(27)}`, `K${'X'.repeat(28)}`, 'ufw-user-input', 'ufw6-before-input',
      'cali-INPUT', 'cali-fw-azv1234567890abcdef', 'input', 'INPUT ', '1INPUT', 'KUBE_FIREWALL', 'ufw-', 'docker-user', '',
    ]],
    ['iptables-delete-rule', 'RULE_NUMBER', { CHAIN: 'INPUT' }, ['1', '9', '10', '10000', '10001', '0', '01', '-1', '1.0', ' 1', '99999', '']],
    ['iptables-insert-accept', 'SOURCE_CIDR', { CHAIN: 'INPUT' }, [
      '10.224.0.0/16', '10.224.0.5', '0.0.0.0/0', '255.255.255.255/32', '10.224.0.0/33', '10.224.0.0/', '10.224.0/16', '10.224.0.256',
      '010.224.0.1', '10.224.0.0/08', '::1/128', '',
    ]],
    ['probe-egress', 'HOST', { PORT: '443', PROTO: 'tcp' }, [
      'aks-prod-eastus-dns-12345678.hcp.eastus.azmk8s.io', 'example.com.', 'a.b', '20.81.112.7', '999.1.1.1', 'localhost', '-a.example.com',
      'a-.example.com', `${'a'.repeat(63)}.com`, `${'a'.repeat(64)}.com`, 'exa mple.com', 'example..com', '',
    ]],
    ['probe-egress', 'PORT', { HOST: 'example.com', PROTO: 'tcp' }, ['1', '443', '65535', '65536', '0', '080', '4 43', '']],
    ['probe-egress', 'PROTO', { HOST: 'example.com', PORT: '443' }, ['tcp', 'udp', 'TCP', 'icmp', '']],
  ];

  it.each(samples)('%s %s', async (id, name, others, values) => {
    node.answer('nc', ['example.com', '443', 'tcp'], { stderr: 'Connection to example.com 443 port [tcp/https] succeeded!\n' });
    for (const value of values) {
      const env = { ...others, [name]: value };
      const tsRejects = scriptRejectsParameter(id, env) === name;
      let validatorAccepts = true;
      try { validateScriptParameters(id, env); } catch { validatorAccepts = false; }
      expect(validatorAccepts, `validator vs script check for ${JSON.stringify(value)}`).toBe(!tsRejects);
      const r = await node.run(NODE_SCRIPTS[id], Object.entries(env).map(([n, v]) => ({ name: n, value: v })));
      const bashRejects = r.stdout.includes(`TD-ERROR invalid parameter ${name}`);
      expect(bashRejects, `bash on ${JSON.stringify(value)}`).toBe(tsRejects);
    }
  });

  it('iptables fix scripts pass the validated values to iptables as whole arguments', async () => {
    node.answer('iptables', ['--insert', 'INPUT', '1', '-p', 'tcp', '--dport', '10250', '-s', '10.224.0.0/16', '-j', 'ACCEPT'], { stdout: '' });
    node.answer('iptables', ['--list', 'INPUT', '--line-numbers'], { stdout: 'Chain INPUT (policy DROP)\n' });
    const r = await node.run(IPTABLES_INSERT_ACCEPT_SCRIPT, [{ name: 'CHAIN', value: 'INPUT' }, { name: 'SOURCE_CIDR', value: '10.224.0.0/16' }]);
    expect(r.exitCode).toBe(0);
    expect(node.calls()).toEqual([
      'iptables --insert INPUT 1 -p tcp --dport 10250 -s 10.224.0.0/16 -j ACCEPT',
      'iptables --list INPUT --line-numbers',
    ]);
    node.answer('iptables', ['--delete', 'INPUT', '7'], { stderr: 'iptables: Index of deletion too big.\n', exitCode: 1 });
    const d = await node.run(IPTABLES_DELETE_RULE_SCRIPT, [{ name: 'CHAIN', value: 'INPUT' }, { name: 'RULE_NUMBER', value: '7' }]);
    expect(d.exitCode).toBe(1);
    expect(d.stdout).toContain('iptables: Index of deletion too big.\nTD-RESULT exit=1\n');
  });
});
