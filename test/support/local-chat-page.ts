/**
 * Driving the local chat page in a browser the way a person does: type, click card buttons, switch
 * who you are. Shared by the browser test and scripts/screenshot-local-chat.ts. Every wait is for
 * something visible on the page, never a fixed sleep.
 */
import type { Locator, Page } from 'playwright-core';

/**
 * The few browser pieces the in-page callbacks use: the tsconfig has no DOM lib (this is node code;
 * only these callbacks run in the page).
 */
interface PageGlobal {
  document: { getElementById(id: string): unknown };
  MutationObserver: new (callback: (records: Array<{ addedNodes: { forEach(f: (n: { textContent: string | null }) => void): void } }>) => void) => {
    observe(target: unknown, options: { childList: boolean; subtree: boolean }): void;
  };
  __seenTexts?: string[];
}

export type IdentityKey = 'requester' | 'approver' | 'second-approver' | 'outsider';

const TIMEOUT_MS = 120_000;

/** Opens the page and waits for the bot's greeting (its help card). */
export async function openChatPage(page: Page, botUrl: string): Promise<void> {
  await page.goto(`${botUrl}/`);
  await page.getByText('Local demo — authentication is off').waitFor({ timeout: TIMEOUT_MS });
  await botMessage(page, /Demo clusters/).waitFor({ timeout: TIMEOUT_MS });
}

/** Types a message into the composer and sends it with Enter; waits for it to show in the chat. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const before = await page.locator('.msg.user').count();
  await page.locator('#text').fill(text);
  await page.locator('#text').press('Enter');
  await page.locator('.msg.user').nth(before).filter({ hasText: text }).waitFor({ timeout: TIMEOUT_MS });
}

export async function switchIdentity(page: Page, key: IdentityKey): Promise<void> {
  // The page re-renders every card for the new person synchronously on 'change'.
  await page.locator('#identity').selectOption(key);
  const chosen = await page.locator('#identity').inputValue();
  if (chosen !== key) throw new Error(`could not switch to ${key} (the page shows ${chosen})`);
}

/** The last bot message whose text matches. */
export function botMessage(page: Page, text: RegExp | string): Locator {
  return page.locator('.msg.bot').filter({ hasText: text }).last();
}

/** The message itself, whatever it shows later (cards are updated in place). */
export async function pinned(page: Page, message: Locator): Promise<Locator> {
  await message.waitFor({ timeout: TIMEOUT_MS });
  const id = await message.getAttribute('data-id');
  if (!id) throw new Error('a chat message without data-id');
  return page.locator(`.msg[data-id="${id}"]`);
}

/** A button the card renderer drew inside `message`. */
export function cardButton(message: Locator, title: string | RegExp): Locator {
  return message.locator('.card-host').getByRole('button', { name: title, exact: typeof title === 'string' });
}

/**
 * Remembers every text a chat message ever showed, so a test can tell that the progress card was
 * there before the update in place replaced it (with the simulator at latency 0 that is quick).
 */
export async function recordMessageTexts(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobal;
    const seen: string[] = [];
    w.__seenTexts = seen;
    new w.MutationObserver((records) => {
      for (const r of records) r.addedNodes.forEach((n) => n.textContent && seen.push(n.textContent));
    }).observe(w.document.getElementById('messages'), { childList: true, subtree: true });
  });
}

export async function seenTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as PageGlobal).__seenTexts ?? []);
}

export interface FixFlowSteps {
  /** Called after each step with a short name, e.g. to take a screenshot. */
  after?(step: string): Promise<void>;
}

/**
 * The newcomer's walk through issue 4's flow on aks-nsg-deny, stopping once the approval card is
 * waiting: what the README screenshot shows.
 */
export async function diagnoseAndRequestFix(page: Page, steps: FixFlowSteps = {}): Promise<{ diagnosis: Locator; approval: Locator }> {
  await switchIdentity(page, 'requester');
  await sendMessage(page, 'diagnose cluster aks-nsg-deny');
  const diagnosis = await pinned(page, botMessage(page, /1 cause found on aks-nsg-deny/));
  await steps.after?.('diagnosis');
  await cardButton(diagnosis, 'Request this fix').click();
  const approval = await pinned(page, botMessage(page, /Fix waiting for approval/));
  await steps.after?.('approval-waiting');
  return { diagnosis, approval };
}
