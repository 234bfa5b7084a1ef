/**
 * Button clicks answer in the clicker's language: Teams puts the UI locale on the
 * adaptiveCard/action invoke too. Real HTTP, fake connector for the follow-up posts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zhCN } from '../../src/app/i18n/index.js';
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { expectValidCard } from '../support/validate-card.js';
import { cardOf, messageActivity, postActivity, type ConnectorCall, cardActionActivity } from '../support/fake-connector.js';
import { botOverHttp } from '../support/bot-over-http.js';
import { tempDir } from '../support/temp-dir.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const REQUESTER = { id: '29:1a2b3c-oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001' };
const CONVERSATION = { id: 'a:i18n-fix-conversation', conversationType: 'personal', tenantId: TENANT };
const ENV = {
  PORT: '0',
  SIM_LATENCY_SCALE: '0',
  STATE_SQLITE_PATH: path.join(tempDir('i18n-flow'), 'state.sqlite'),
  // The requester is an approver too, so approving their own request is refused (four-eyes rule).
  APPROVER_IDS: `${REQUESTER.aadObjectId},00000000-0000-0000-0000-00000000b002`,
};

const t = botOverHttp(ENV);

async function click(verb: string, data: unknown, locale: string, replyToId: string): Promise<Json> {
  const res = await postActivity(t.bot.url, cardActionActivity(verb, data, {
    serviceUrl: t.connector.url,
    locale,
    from: REQUESTER,
    conversation: CONVERSATION,
    channelData: { tenant: { id: TENANT } },
    replyToId,
  }));
  expect(res.status).toBe(200);
  const card = res.body.value as Json;
  expectValidCard(card);
  return card;
}

describe('card actions in zh-CN', () => {
  it('request → Chinese notice and Chinese approval card; self-approval refused in Chinese; unknown button in Chinese', async () => {
    const res = await postActivity(
      t.bot.url,
      messageActivity('diagnose cluster aks-nsg-deny', { deliveryMode: 'expectReplies', locale: 'zh-CN', from: REQUESTER, conversation: CONVERSATION }),
    );
    const diagnosis = cardOf(res.body.activities.at(-1));
    const request = executeActions(diagnosis).find((a) => a.verb === 'request-fix')!;
    expect(request.title).toBe(zhCN.diagnosis.requestFix);

    const before = t.connector.calls.length;
    const answered = await click('request-fix', request.data, 'zh-CN', 'diagnosis-card');
    expect(cardText(answered)).toContain('已申请修复');

    const calls = await t.connector.waitFor((c) => c.slice(before).some((x) => x.method === 'POST'));
    const post = calls.slice(before).find((x) => x.method === 'POST') as ConnectorCall;
    const approval = cardOf(post.activity);
    expectValidCard(approval);
    expect(cardText(approval)).toContain(zhCN.approval.headline.pending);
    expect(executeActions(approval).map((a) => a.title)).toEqual([zhCN.approval.buttons.approve, zhCN.approval.buttons.reject, zhCN.approval.buttons.cancel]);

    const requestId = (executeActions(approval)[0]!.data as { requestId: string }).requestId;
    const refused = await click('approve', { requestId }, 'zh-CN', post.activityId!);
    const text = cardText(refused);
    expect(text).toContain(zhCN.approval.refusal('self-approval', ''));
    expect(text).not.toContain('someone else must approve');

    const unknown = await click('explode', {}, 'zh-CN', post.activityId!);
    expect(cardText(unknown)).toContain(zhCN.refusal.unknownButton('explode'));
    await t.bot.drain();
  });
});
