/**
 * The README's picture of the local chat page, mid-flow: aks-nsg-deny diagnosed, the fix requested,
 * and the approval card as the approver sees it (Approve / Reject).
 * `npx tsx scripts/screenshot-local-chat.ts [out.png]` (default docs/local-chat.png), with the
 * Chromium from npm (test/support/chromium.ts). Drives the page with the browser test's code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { startBot } from '../src/start-bot.js';
import { launchChromium } from '../test/support/chromium.js';
import { cardButton, diagnoseAndRequestFix, openChatPage, switchIdentity } from '../test/support/local-chat-page.js';

const out = path.resolve(process.argv[2] ?? 'docs/local-chat.png');
// A second argument sets the width: 1180 px by default, 400 px for a phone. Emoji and CJK glyphs in
// the picture need the machine's fonts (the tests never do).
const width = Number(process.argv[3] ?? 1180);
const stateDir = mkdtempSync(path.join(tmpdir(), 'td-screenshot-'));
const bot = await startBot(parseConfig({ PORT: '0', SIM_LATENCY_SCALE: '0', STATE_SQLITE_PATH: path.join(stateDir, 'state.sqlite') }), silentLogger);
const browser = await launchChromium({ width, height: 1000 });
try {
  const { page } = browser;
  await openChatPage(page, bot.url);
  const { diagnosis, approval } = await diagnoseAndRequestFix(page);
  await switchIdentity(page, 'approver');
  await cardButton(approval, 'Approve').waitFor({ timeout: 30_000 });
  // The shared diagnosis card tells the fix's story once the request is made.
  await diagnosis.getByText('Waiting for approval').first().waitFor({ timeout: 30_000 });
  // From the user's command down: the diagnosis, then the approval card with its buttons; the
  // viewport is made tall enough for both.
  const command = page.locator('#messages > .msg.user').last();
  const below = await command.evaluate((e) => e.parentElement!.scrollHeight - (e.offsetTop - e.parentElement!.offsetTop));
  const chrome = await page.locator('#messages').evaluate((m) => m.ownerDocument.body.scrollHeight - m.clientHeight);
  await page.setViewportSize({ width, height: Math.min(width < 600 ? 3400 : 2600, chrome + below + 16) });
  await command.evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: out });
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await browser.close();
  await bot.close();
  rmSync(stateDir, { recursive: true, force: true });
}
