/**
 * Chromium driven by playwright-core, for the browser tests and the README screenshots. The browser
 * comes from npm (@sparticuz/chromium, a devDependency), so nothing needs installing on the machine;
 * CHROMIUM_PATH overrides it (e.g. Debian's /usr/bin/chromium). Never `npx playwright install`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sparticuz from '@sparticuz/chromium';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Set: this chromium instead of the one from npm. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH?.trim() || undefined;

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and CSP violations the page reported. */
  problems: string[];
  close(): Promise<void>;
}

/** The executable and its flags: CHROMIUM_PATH if set (it must exist), else @sparticuz/chromium's build. */
export async function chromiumLaunchOptions(): Promise<{ executablePath: string; args: string[] }> {
  if (CHROMIUM_PATH) {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`No chromium at CHROMIUM_PATH=${CHROMIUM_PATH}: unset it to use the one from npm (@sparticuz/chromium).`);
    return { executablePath: CHROMIUM_PATH, args: ARGS };
  }
  // Our own flags, not sparticuz.args: those are for AWS Lambda and include --disable-web-security,
  // which would hide what the browser tests check (CSP, same-origin).
  return { executablePath: await sparticuz.executablePath(), args: ARGS };
}

/** A fresh chromium with its own throw-away profile. */
export async function launchChromium(opts: { width?: number; height?: number; colorScheme?: 'dark' | 'light' } = {}): Promise<Browser> {
  const { executablePath, args } = await chromiumLaunchOptions();
  const profile = mkdtempSync(path.join(tmpdir(), 'td-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args,
    viewport: { width: opts.width ?? 1100, height: opts.height ?? 900 },
    colorScheme: opts.colorScheme ?? 'dark',
    locale: 'en-US',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
