import { describe, expect, it } from 'vitest';
import { errorCard, redactSecrets, refusalCard } from '../../src/app/cards/index.js';
import { expectValidCard } from '../support/validate-card.js';
import { markdownTexts, ofType, unexpanded, visibleText } from './card-walk.js';

describe('refusalCard', () => {
  const input = {
    reason: 'The cluster name contains ";" (U+003B), which Azure names never contain.',
    hint: 'I only understand cluster names: letters, digits, - and _ (1-63 characters), e.g. "diagnose cluster aks-prod".',
  };

  it('gives the reason and the hint, and a way to the commands', () => {
    const card = refusalCard(input);
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    const runs = ofType(card, 'TextRun').map((r) => r.text);
    expect(runs).toContain(input.reason);
    expect(runs).toContain(input.hint);
    expect(ofType(card, 'Action.Submit')[0]?.data).toEqual({ action: 'help', msteams: { type: 'messageBack', text: 'help', displayText: 'help' } });
  });

  it('shows quoted hostile input as plain text that links nowhere', () => {
    const card = refusalCard({ reason: '"[pwn](https://evil.example/a)" is not a valid cluster name.', hint: '' });
    expectValidCard(card);
    const reason = ofType(card, 'TextRun')[0]?.text as string;
    expect(reason).not.toContain('://');
    expect(reason.replace(/\u200B/g, '')).toBe('"[pwn](https://evil.example/a)" is not a valid cluster name.');
    expect(ofType(card, 'TextRun')).toHaveLength(1);
    for (const t of markdownTexts(card)) expect(t).not.toContain('evil');
  });
});

describe('errorCard', () => {
  it('shows the title, the message and the reference', () => {
    const card = errorCard({
      title: 'Could not look up aks-prod',
      message: 'Azure refused to list clusters in subscription Production: the bot lacks Reader access.',
      correlationId: 'c0ffee-42',
    });
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    expect(ofType(card, 'TextBlock')[0]?.text).toBe('❌ Could not look up aks-prod');
    const text = visibleText(card);
    expect(text).toContain('the bot lacks Reader access.');
    expect(ofType(card, 'TextRun').some((r) => r.text === 'c0ffee-42' && r.fontType === 'Monospace')).toBe(true);
  });

  it('has no reference line without a correlation id', () => {
    const card = errorCard({ title: 'Oops', message: 'Azure is busy; try again in a minute.' });
    expectValidCard(card);
    expect(visibleText(card)).not.toContain('Reference');
  });

  it('never shows credentials or stack traces', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const card = errorCard({
      title: 'Diagnosis of aks-prod failed',
      message: [
        `Request failed: Authorization: Bearer ${jwt}`,
        'client_secret=Sup3r~S3cret.Value&grant_type=client_credentials',
        'https://x.blob.core.windows.net/c?sv=2022&sig=AbCdEf%2B123',
        '    at RestClient.send (/app/node_modules/@azure/core-client/dist/index.js:123:45)',
        '    at async diagnose (/app/src/engine/diagnose.ts:10:5)',
      ].join('\n'),
    });
    expectValidCard(card);
    const json = JSON.stringify(card);
    for (const secret of [jwt, 'Sup3r~S3cret.Value', 'AbCdEf%2B123', 'node_modules', 'diagnose.ts:10']) expect(json).not.toContain(secret);
    expect(visibleText(card)).toContain('[redacted]');
  });

  it('redacts token-shaped text wherever it appears', () => {
    expect(redactSecrets('password: hunter2 and AccountKey=abc123==;')).toBe('password: [redacted] and AccountKey=[redacted];');
    expect(redactSecrets('nothing secret about aks-prod')).toBe('nothing secret about aks-prod');
  });
});
