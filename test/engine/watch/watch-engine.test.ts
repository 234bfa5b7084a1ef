import { describe, expect, it } from 'vitest';
import { formatInterval, parseInterval } from '../../../src/engine/watch/interval.js';
import { isDue, nextDueAfter } from '../../../src/engine/watch/due.js';
import { compareVerdicts, verdictsOf } from '../../../src/engine/watch/verdicts.js';
import { CHECK_IDS, REPORT_FORMAT, type CheckId, type CheckStatus, type Report } from '../../../src/engine/report.js';
import { parseCommand } from '../../../src/app/parse-command.js';

function report(statuses: Partial<Record<CheckId, CheckStatus>>): Report {
  return {
    format: REPORT_FORMAT,
    cluster: { id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks', name: 'aks', tunnel: 'konnectivity', private: false, outboundType: 'loadBalancer', nodeCount: 3 },
    startedAt: '2026-11-26T00:00:00Z',
    finishedAt: '2026-11-26T00:01:00Z',
    checks: CHECK_IDS.map((id) => ({ id, status: statuses[id] ?? 'pass', summary: `${id} is ${statuses[id] ?? 'pass'}`, nodes: [], evidence: [], fixes: [] })),
    affectedNodes: [],
  };
}

describe('watch intervals', () => {
  it.each([
    ['5m', 5],
    ['15m', 15],
    ['90m', 90],
    ['1h', 60],
    ['1h30m', 90],
    ['2 hours', 120],
    ['24h', 1440],
    ['45 min', 45],
  ])('reads %s as %d minutes', (text, minutes) => {
    expect(parseInterval(text)).toEqual({ ok: true, minutes });
  });

  it.each(['4m', '0m', '25h', '1441m', '15', 'fortnightly', '15s', '1d', '-5m', '5m5'])('refuses %s, naming the allowed range', (text) => {
    const r = parseInterval(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('between 5m and 24h');
  });

  it('formats intervals the way it reads them back', () => {
    for (const m of [5, 15, 60, 90, 125, 1440]) expect(parseInterval(formatInterval(m))).toEqual({ ok: true, minutes: m });
    expect(formatInterval(90)).toBe('1h30m');
  });
});

describe('watch commands', () => {
  it('parses watch, with the default and an explicit interval, validated like diagnose', () => {
    expect(parseCommand('watch cluster aks-prod')).toEqual({ kind: 'watch', target: { by: 'name', name: 'aks-prod' }, intervalMinutes: 15 });
    expect(parseCommand('watch aks-prod every 1h')).toEqual({ kind: 'watch', target: { by: 'name', name: 'aks-prod' }, intervalMinutes: 60 });
    expect(parseCommand('watch cluster aks-prod in rg rg-prod every 90m')).toEqual({
      kind: 'watch',
      target: { by: 'name', name: 'aks-prod', resourceGroup: 'rg-prod' },
      intervalMinutes: 90,
    });
    // "every" inside a name is part of the name, not an interval.
    expect(parseCommand('watch aks-every-1')).toMatchObject({ kind: 'watch', target: { name: 'aks-every-1' }, intervalMinutes: 15 });
    expect(parseCommand('<at>Tunnel Doctor</at> watch aks-prod')).toMatchObject({ kind: 'watch' });
  });

  it('refuses a bad interval with the allowed range', () => {
    const c = parseCommand('watch aks-prod every 2m');
    expect(c.kind).toBe('refused');
    if (c.kind === 'refused') expect(c.reason).toMatch(/too often.*between 5m and 24h/);
    expect(parseCommand('watch aks-prod every 3d')).toMatchObject({ kind: 'refused' });
  });

  it('refuses hostile text in the name and in the interval', () => {
    expect(parseCommand('watch aks; rm -rf /')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('";"') });
    expect(parseCommand('watch aks every 5m$(reboot)')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('"$"') });
    expect(parseCommand('unwatch аks')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('U+0430') });
    expect(parseCommand('watch /subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks')).toMatchObject({ kind: 'refused' });
  });

  it('parses unwatch and watches', () => {
    expect(parseCommand('unwatch cluster aks-prod')).toEqual({ kind: 'unwatch', target: { by: 'name', name: 'aks-prod' } });
    expect(parseCommand('unwatch aks-prod every 5m')).toMatchObject({ kind: 'refused' });
    expect(parseCommand('watches')).toEqual({ kind: 'watches' });
    expect(parseCommand('watch')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('Which cluster') });
    expect(parseCommand('watchtower')).toMatchObject({ kind: 'unrecognised' });
  });
});

describe('when a watch is due', () => {
  const t = (s: string) => new Date(`2026-11-26T${s}Z`);

  it('keeps the cadence on the grid, however long the run took', () => {
    expect(nextDueAfter(t('10:00:00'), 15, t('10:00:05')).toISOString()).toBe(t('10:15:00').toISOString());
    expect(nextDueAfter(t('10:00:00'), 15, t('10:14:59')).toISOString()).toBe(t('10:15:00').toISOString());
  });

  it('skips slots missed while nothing ran, instead of catching up with a burst', () => {
    expect(nextDueAfter(t('10:00:00'), 15, t('11:07:00')).toISOString()).toBe(t('11:15:00').toISOString());
    expect(nextDueAfter(t('10:00:00'), 15, t('10:15:00')).toISOString()).toBe(t('10:30:00').toISOString());
  });

  it('is due once the time has come, and an unreadable time counts as due', () => {
    expect(isDue(t('10:00:00').toISOString(), t('09:59:59'))).toBe(false);
    expect(isDue(t('10:00:00').toISOString(), t('10:00:00'))).toBe(true);
    expect(isDue('garbage', t('10:00:00'))).toBe(true);
  });
});

describe('verdict comparison', () => {
  it('takes the first run as the baseline without a change', () => {
    const { changes, next } = compareVerdicts(undefined, report({ 'nsg-10250': 'fail' }));
    expect(changes).toEqual([]);
    expect(next).toEqual(verdictsOf(report({ 'nsg-10250': 'fail' })));
  });

  it('names each check whose verdict changed, before and after', () => {
    const baseline = verdictsOf(report({ 'nsg-10250': 'fail', 'snat-exhaustion': 'warn' }));
    const { changes, next } = compareVerdicts(baseline, report({ 'nsg-10250': 'pass', 'snat-exhaustion': 'warn', 'ufw-10250': 'fail' }));
    expect(changes.map((c) => [c.check, c.before, c.after])).toEqual([
      ['nsg-10250', 'fail', 'pass'],
      ['ufw-10250', 'pass', 'fail'],
    ]);
    expect(changes[0]!.summary).toBe('nsg-10250 is pass');
    expect(next['nsg-10250']).toBe('pass');
    expect(next['ufw-10250']).toBe('fail');
  });

  it('reports nothing when nothing changed', () => {
    const baseline = verdictsOf(report({ 'nsg-10250': 'fail' }));
    expect(compareVerdicts(baseline, report({ 'nsg-10250': 'fail' })).changes).toEqual([]);
  });

  it('treats "unknown" as no verdict: no post, and the last known verdict is kept', () => {
    const baseline = verdictsOf(report({ 'nsg-10250': 'fail' }));
    const flaky = compareVerdicts(baseline, report({ 'nsg-10250': 'unknown' }));
    expect(flaky.changes).toEqual([]);
    expect(flaky.next['nsg-10250']).toBe('fail');
    // Back to a known verdict: compared with the last known one.
    expect(compareVerdicts(flaky.next, report({ 'nsg-10250': 'pass' })).changes.map((c) => c.check)).toEqual(['nsg-10250']);
    expect(compareVerdicts(flaky.next, report({ 'nsg-10250': 'fail' })).changes).toEqual([]);
  });
});
