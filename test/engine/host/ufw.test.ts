import { describe, expect, it } from 'vitest';
import { parseUfwStatusVerbose, ufwVerdict, type UfwFlow } from '../../../src/engine/host/ufw.js';

// Verbatim `ufw status verbose` output of ufw 0.36: rows are "%-26s %-12s%-26s…", so the From
// column is padded (trailing spaces) and a table ends with an empty line from print().
const ACTIVE_WITH_DENY = [
  'Status: active',
  'Logging: on (low)',
  'Default: deny (incoming), allow (outgoing), disabled (routed)',
  'New profiles: skip',
  '',
  'To                         Action      From',
  '--                         ------      ----',
  '22/tcp                     ALLOW IN    Anywhere                  ',
  '10250/tcp                  DENY IN     Anywhere                  ',
  'Anywhere                   DENY IN     10.0.0.0/8                ',
  '10250:10260/tcp            ALLOW IN    10.224.0.0/16             ',
  '80,443/tcp                 ALLOW IN    Anywhere                   # web',
  'OpenSSH                    ALLOW IN    Anywhere                  ',
  '22/tcp (OpenSSH)           LIMIT IN    Anywhere                   (log)',
  '22/tcp (v6)                ALLOW IN    Anywhere (v6)             ',
  '10250/tcp (v6)             DENY IN     Anywhere (v6)             ',
  '',
  '53                         ALLOW OUT   Anywhere                  ',
  '',
].join('\n');

const INACTIVE = 'Status: inactive\n';

describe('parseUfwStatusVerbose', () => {
  it('reads the header lines and every row form', () => {
    const s = parseUfwStatusVerbose(ACTIVE_WITH_DENY);
    expect(s).toMatchObject({
      installed: true, active: true, logging: 'on (low)',
      defaultIncoming: 'deny', defaultOutgoing: 'allow', defaultRouted: 'disabled', newProfiles: 'skip',
    });
    expect(s.unparsed).toEqual([]);
    expect(s.rules.map((r) => [r.to, r.action, r.from, r.v6, r.direction])).toEqual([
      ['22/tcp', 'ALLOW IN', 'Anywhere', false, 'in'],
      ['10250/tcp', 'DENY IN', 'Anywhere', false, 'in'],
      ['Anywhere', 'DENY IN', '10.0.0.0/8', false, 'in'],
      ['10250:10260/tcp', 'ALLOW IN', '10.224.0.0/16', false, 'in'],
      ['80,443/tcp', 'ALLOW IN', 'Anywhere', false, 'in'],
      ['OpenSSH', 'ALLOW IN', 'Anywhere', false, 'in'],
      ['22/tcp (OpenSSH)', 'LIMIT IN', 'Anywhere', false, 'in'],
      ['22/tcp (v6)', 'ALLOW IN', 'Anywhere (v6)', true, 'in'],
      ['10250/tcp (v6)', 'DENY IN', 'Anywhere (v6)', true, 'in'],
      ['53', 'ALLOW OUT', 'Anywhere', false, 'out'],
    ]);
    expect(s.rules[4]?.comment).toBe('web');
    expect(s.rules[6]?.log).toBe('log');
    expect(s.rules[1]?.text).toBe('10250/tcp                  DENY IN     Anywhere');
  });

  it('reads "Status: inactive" and a missing ufw', () => {
    expect(parseUfwStatusVerbose(INACTIVE)).toMatchObject({ installed: true, active: false, rules: [] });
    expect(parseUfwStatusVerbose('ufw: not installed\n')).toMatchObject({ installed: false, active: false });
  });

  it('reads an active ufw without rules (no table at all)', () => {
    const s = parseUfwStatusVerbose('Status: active\nLogging: off\nDefault: reject (incoming), allow (outgoing), deny (routed)\nNew profiles: skip\n');
    expect(s).toMatchObject({ active: true, logging: 'off', defaultIncoming: 'reject', defaultRouted: 'deny', rules: [] });
  });

  it('keeps columns that overflow 26 characters', () => {
    const s = parseUfwStatusVerbose([
      'Status: active', 'Logging: on (low)', 'Default: allow (incoming), allow (outgoing), disabled (routed)', 'New profiles: skip', '',
      'To                         Action      From',
      '--                         ------      ----',
      '10.224.0.4 10250:10260/tcp on eth0 DENY IN     10.224.128.0/17            # block the tunnel',
      '',
    ].join('\n'));
    expect(s.rules[0]).toMatchObject({ to: '10.224.0.4 10250:10260/tcp on eth0', action: 'DENY IN', from: '10.224.128.0/17', comment: 'block the tunnel' });
  });
});

const tunnel = (sourceIp = '10.224.0.9', port = 10250): UfwFlow => ({ sourceIp, port, protocol: 'tcp', destinationIp: '10.224.0.5' });

function status(rows: string[], incoming = 'deny'): string {
  return [
    'Status: active', 'Logging: on (low)', `Default: ${incoming} (incoming), allow (outgoing), disabled (routed)`, 'New profiles: skip', '',
    'To                         Action      From', '--                         ------      ----', ...rows, '',
  ].join('\n');
}

describe('ufwVerdict', () => {
  it('first match wins: DENY 10250/tcp before any allow', () => {
    const v = ufwVerdict(parseUfwStatusVerbose(ACTIVE_WITH_DENY), tunnel());
    expect(v.outcome).toBe('deny');
    expect(v.rule).toEqual({ index: 1, text: '10250/tcp                  DENY IN     Anywhere' });
  });

  it.each([
    // [rows, default incoming, source, port, expected outcome, deciding row index or undefined]
    [['22/tcp                     ALLOW IN    Anywhere                  '], 'deny', '10.224.0.9', 10250, 'deny', undefined],
    [['22/tcp                     ALLOW IN    Anywhere                  '], 'allow', '10.224.0.9', 10250, 'allow', undefined],
    [['22/tcp                     ALLOW IN    Anywhere                  '], 'reject', '10.224.0.9', 10250, 'reject', undefined],
    [['10250/tcp                  ALLOW IN    Anywhere                  '], 'deny', '10.224.0.9', 10250, 'allow', 0],
    [['10250                      ALLOW IN    Anywhere                  '], 'deny', '10.224.0.9', 10250, 'allow', 0],
    [['10250/udp                  ALLOW IN    Anywhere                  '], 'deny', '10.224.0.9', 10250, 'deny', undefined],
    [['10240:10260/tcp            REJECT IN   Anywhere                  '], 'allow', '10.224.0.9', 10250, 'reject', 0],
    [['10251:10260/tcp            REJECT IN   Anywhere                  '], 'allow', '10.224.0.9', 10250, 'allow', undefined],
    [['80,443,10250/tcp           DENY IN     Anywhere                  '], 'allow', '10.224.0.9', 10250, 'deny', 0],
    [['Anywhere                   DENY IN     10.0.0.0/8                '], 'allow', '10.224.0.9', 10250, 'deny', 0],
    [['Anywhere                   DENY IN     192.168.0.0/16            '], 'allow', '10.224.0.9', 10250, 'allow', undefined],
    [['10250/tcp                  ALLOW IN    10.224.0.0/16             '], 'deny', '10.224.0.9', 10250, 'allow', 0],
    [['10250/tcp                  ALLOW IN    10.225.0.0/16             '], 'deny', '10.224.0.9', 10250, 'deny', undefined],
    [['10.224.0.5 10250/tcp       ALLOW IN    Anywhere                  '], 'deny', '10.224.0.9', 10250, 'allow', 0],
    [['10.224.0.6 10250/tcp       ALLOW IN    Anywhere                  '], 'deny', '10.224.0.9', 10250, 'deny', undefined],
    [['10250/tcp (v6)             ALLOW IN    Anywhere (v6)             '], 'deny', '10.224.0.9', 10250, 'deny', undefined],
    [['10250/tcp                  ALLOW OUT   Anywhere                  '], 'deny', '10.224.0.9', 10250, 'deny', undefined],
    [['10250/tcp                  LIMIT IN    Anywhere                  '], 'deny', '10.224.0.9', 10250, 'allow', 0],
    [['OpenSSH                    ALLOW IN    Anywhere                  '], 'deny', '10.224.0.9', 22, 'allow', 0],
    [['22/tcp (OpenSSH)           DENY IN     Anywhere                  '], 'allow', '10.224.0.9', 22, 'deny', 0],
    [['Anywhere/tcp               DENY IN     Anywhere/tcp              '], 'allow', '10.224.0.9', 10250, 'deny', 0],
    [['Anywhere                   DENY IN     10.224.0.0/16/tcp         '], 'allow', '10.224.0.9', 10250, 'deny', 0],
    [['Anywhere                   DENY IN     10.224.0.0/16/udp         '], 'allow', '10.224.0.9', 10250, 'allow', undefined],
  ])('%j default %s from %s port %d → %s', (rows, incoming, src, port, outcome, index) => {
    const v = ufwVerdict(parseUfwStatusVerbose(status(rows, incoming)), tunnel(src, port));
    expect(v.outcome).toBe(outcome);
    expect(v.rule?.index).toBe(index);
  });

  it('a rule on a fixed source port or an unknown application profile does not match, and says so', () => {
    const v = ufwVerdict(parseUfwStatusVerbose(status([
      'Anywhere                   DENY IN     Anywhere 40000/tcp        ',
      'Tomcat                     DENY IN     Anywhere                  ',
    ], 'allow')), tunnel());
    expect(v.outcome).toBe('allow');
    expect(v.notes).toHaveLength(2);
    expect(v.notes[1]).toMatch(/Tomcat/);
  });

  it('inactive or missing ufw allows everything', () => {
    expect(ufwVerdict(parseUfwStatusVerbose(INACTIVE), tunnel()).outcome).toBe('allow');
    expect(ufwVerdict(parseUfwStatusVerbose('ufw: not installed'), tunnel()).reason).toMatch(/not installed/);
  });
});
