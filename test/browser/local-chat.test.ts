/**
 * The local chat page in a real browser (Chromium from npm, @sparticuz/chromium, through playwright-core): a newcomer
 * diagnoses the broken demo cluster, requests the fix, is refused as an outsider, approves as the
 * approver, watches the card update in place to verified, and a new diagnosis passes. Cards are
 * drawn by the official adaptivecards renderer; clicks are real adaptiveCard/action invokes.
 * Screenshots go to test-results/screenshots/ (git-ignored), kept as CI artifacts.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBot, type RunningBot } from '../../src/start-bot.js';
import { launchChromium, type Browser } from '../support/chromium.js';
import {
  botMessage,
  cardButton,
  diagnoseAndRequestFix,
  openChatPage,
  pinned,
  recordMessageTexts,
  seenTexts,
  sendMessage,
  switchIdentity,
} from '../support/local-chat-page.js';
import { tempDir } from '../support/temp-dir.js';

const SCREENSHOTS = path.resolve('test-results/screenshots');
const WAIT = { timeout: 30_000 };

let bot: RunningBot;
let browser: Browser;

const shoot = async (name: string): Promise<void> => {
  await browser.page.screenshot({ path: path.join(SCREENSHOTS, `local-chat-${name}.png`) });
};

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Launch first: a missing chromium fails here with the install command, before anything starts.
  browser = await launchChromium();
  bot = await startBot(
    parseConfig({ PORT: '0', SIM_LATENCY_SCALE: '0', STATE_SQLITE_PATH: path.join(tempDir('browser'), 'state.sqlite') }),
    silentLogger,
  );
});

afterAll(async () => {
  await browser?.close();
  await bot?.close();
});

describe('the local chat page in chromium', () => {
  it('walks a newcomer through diagnose → request → refused → approve → verified → passes', async () => {
    const { page } = browser;
    await openChatPage(page, bot.url);
    await recordMessageTexts(page);

    let n = 0;
    const { diagnosis, approval } = await diagnoseAndRequestFix(page, { after: (step) => shoot(`${++n}-${step}`) });

    // The progress card came first, and the diagnosis replaced it in place (same message, newer version).
    expect((await seenTexts(page)).some((t) => /Diagnosing aks-nsg-deny/.test(t))).toBe(true);
    expect(Number(await diagnosis.getAttribute('data-version'))).toBeGreaterThan(1);
    const nsgCheck = diagnosis.locator('.card-host').getByText('Network security groups allow TCP 10250');
    await expect(nsgCheck.isVisible()).resolves.toBe(true);
    await expect(diagnosis.locator('.card-host').innerText()).resolves.toMatch(/Network security groups allow TCP 10250[^]*DenyKubeletInbound/);
    // The invoke's answer replaced the clicked card.
    await diagnosis.getByText(/Fix requested/).first().waitFor(WAIT);

    // The requester's own view (automatic refresh): no Approve for them.
    await approval.getByText('Requested by').waitFor(WAIT);
    await cardButton(approval, 'Cancel request').waitFor(WAIT);
    expect(await cardButton(approval, 'Approve').count()).toBe(0);

    // An outsider sees the shared card and tries to approve: refused, nothing done.
    await switchIdentity(page, 'outsider');
    await cardButton(approval, 'Approve').click();
    await approval.getByText(/You are not an approver, so nothing was done/).waitFor(WAIT);
    await shoot(`${++n}-outsider-refused`);

    // The approver approves: answered at once, then the same card is updated in place.
    await switchIdentity(page, 'approver');
    expect(await approval.getByText(/not an approver/).count()).toBe(0);
    const versionBefore = Number(await approval.getAttribute('data-version'));
    await cardButton(approval, 'Approve').click();
    await approval.getByText('Fix applied and verified').waitFor(WAIT);
    expect(Number(await approval.getAttribute('data-version'))).toBeGreaterThan(versionBefore);
    await expect(approval.innerText()).resolves.toMatch(/nsg-10250 fail[^]*nsg-10250 pass/);
    expect(await page.locator('.msg.bot').filter({ hasText: 'Fix applied and verified' }).count()).toBe(1);
    await shoot(`${++n}-verified`);

    // The simulated Azure changed: a new diagnosis passes the NSG check.
    await switchIdentity(page, 'requester');
    const before = await page.locator('#messages > .msg').count();
    await sendMessage(page, 'diagnose cluster aks-nsg-deny');
    // After the echoed command: the bot's progress card, which becomes the diagnosis.
    const again = await pinned(page, page.locator('#messages > .msg').nth(before + 1));
    // Every check passed: they are one toggle ("✅ 6 passed") away.
    await cardButton(again, /\d+ passed/).click();
    await again.getByText('Network security groups allow TCP 10250').waitFor(WAIT);
    const text = await again.innerText();
    expect(text).not.toMatch(/cause found/);
    expect(text).toMatch(/✅\s*Network security groups allow TCP 10250/);
    await again.evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await shoot(`${++n}-passes-after-fix`);

    // The page's own chrome follows the language picker, and tells the browser which language it is.
    await page.selectOption('#locale', 'zh-CN');
    await expect(page.getAttribute('html', 'lang')).resolves.toBe('zh-CN');
    await expect(page.locator('#new-chat').innerText()).resolves.toBe('新对话');
    await expect(page.locator('#identity-role').innerText()).resolves.toBe('申请修复');
    await page.selectOption('#locale', 'en-US');
    await expect(page.getAttribute('html', 'lang')).resolves.toBe('en');

    // No script errors and no Content-Security-Policy violations along the way.
    expect(browser.problems).toEqual([]);
  });
});
