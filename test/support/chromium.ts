/**
 * Chromium driven by playwright-core, for the browser tests and the README's screenshots.
 *
 * The browser comes from npm, so `npm ci && npm test` needs nothing else on a fresh machine:
 * `@sparticuz/chromium` ships a headless Chromium inside the package (brotli-compressed). It is
 * unpacked once into node_modules/.cache (so `npm ci` starts it afresh) and reused by every run.
 * `CHROMIUM_PATH` points at another build instead (a system chromium, say). Never
 * `npx playwright install`: that downloads a browser, which this workplace cannot.
 * That build may lack CJK fonts: tests assert on DOM text and geometry, never on glyphs.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser as PlaywrightBrowser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE_DIR = path.join(REPO, 'node_modules/@sparticuz/chromium');

// The package's flags are made for AWS Lambda; these three weaken the web security model that the
// local chat page's tests check (CSP, origins), so they are left out.
const INSECURE = new Set(['--disable-web-security', '--allow-running-insecure-content', '--disable-site-isolation-trials']);
const ARGS = [
  ...sparticuz.args.filter((a) => !INSECURE.has(a)),
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Where the packaged Chromium is unpacked: one folder per package version. */
function cacheDir(): string {
  const { version } = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string };
  return path.join(REPO, 'node_modules/.cache/td-chromium', version);
}

/**
 * The Chromium executable: `CHROMIUM_PATH` when set, else the packaged one, unpacked on first use.
 * Unpacking goes to a staging folder that is renamed into place, so test files starting at the same
 * moment in two processes never see a half-written binary.
 */
export async function chromiumExecutable(): Promise<string> {
  const override = process.env.CHROMIUM_PATH?.trim();
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override}: no such file. Unset it to use the Chromium from npm.`);
    return override;
  }
  const dir = cacheDir();
  const exe = path.join(dir, 'chromium');
  if (existsSync(exe)) return exe;
  mkdirSync(path.dirname(dir), { recursive: true });
  const staging = mkdtempSync(`${dir}.staging-`);
  // The package unpacks into os.tmpdir() and takes no target folder: point TMPDIR at the staging
  // folder for the call. Nothing else in this process reads tmpdir() while it runs.
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    await sparticuz.executablePath(path.join(PACKAGE_DIR, 'bin'));
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  try {
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(exe)) throw err; // someone else won the rename: theirs is as good as ours
  }
  return exe;
}

/** Launch options for playwright-core's `chromium.launch` with the project's browser. */
export async function chromiumLaunchOptions(): Promise<LaunchOptions> {
  return { executablePath: await chromiumExecutable(), args: ARGS, headless: true };
}

/** A plain headless browser (no profile), for scripts that render one page. */
export async function launchHeadless(): Promise<PlaywrightBrowser> {
  return chromium.launch(await chromiumLaunchOptions());
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and CSP violations the page reported. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh Chromium with its own throw-away profile. */
export async function launchChromium(opts: { width?: number; height?: number; colorScheme?: 'dark' | 'light' } = {}): Promise<Browser> {
  const launch = await chromiumLaunchOptions();
  const profile = mkdtempSync(path.join(tmpdir(), 'td-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      ...launch,
      viewport: { width: opts.width ?? 1100, height: opts.height ?? 900 },
      colorScheme: opts.colorScheme ?? 'dark',
      locale: 'en-US',
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
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
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}
