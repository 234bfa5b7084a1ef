/**
 * The transport is built before the app (its outbox is what the app's features post through) and the
 * app is plugged in once: until then an activity is answered 503, never handled half-wired.
 */
import { describe, expect, it } from 'vitest';
import type { BotApp } from '../../src/app/bot-app.js';
import { silentLogger } from '../../src/log.js';
import { createBotFramework } from '../../src/transport/bot-framework.js';

const NO_AUTH = { appId: '', appPassword: '', appType: 'MultiTenant', tenantId: '' } as const;

function response() {
  const sent: Array<{ status: number; body?: object }> = [];
  return { sent, send: (status: number, body?: object) => sent.push({ status, ...(body ? { body } : {}) }) };
}

const app: BotApp = {
  handleMessage: async () => {},
  handleCardAction: async () => ({ card: {} }),
  stopDiagnoses: () => 0,
};

describe('the Bot Framework transport', () => {
  it('offers its outbox before any app exists, answers 503 until init(app), and takes one app only', async () => {
    const bot = createBotFramework({ bot: NO_AUTH as never, log: silentLogger });
    expect(typeof bot.outbox.post).toBe('function');
    const res = response();
    await bot.process({ body: { type: 'message', text: 'help' } }, res);
    expect(res.sent).toEqual([{ status: 503, body: { error: expect.stringMatching(/starting/) } }]);
    bot.init(app);
    expect(() => bot.init(app)).toThrow(/already has an app/);
    const after = response();
    // Plugged in: the request now reaches the activity checks (a body without a type is a 400).
    await bot.process({ body: {} }, after);
    expect(after.sent[0]?.status).toBe(400);
  });
});
