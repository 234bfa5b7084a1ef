/**
 * The diagnosis card as Teams draws it at its chat width (540 px) with the official renderer in
 * Chromium: for a one-cause diagnosis the fix button must be within the first 400 px of the card
 * and the card at most 900 px tall, so the on-call reader sees the cause and its fix without
 * scrolling (issue 15). The reports come from the engine over the simulated Azure (scenarios/).
 * Geometry comes from the DOM, never from glyphs (the npm Chromium may have no CJK fonts).
 * Screenshots go to test-results/screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosisCard } from '../../src/app/cards/index.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { azureClusterDirectory } from '../../src/engine/cluster-directory.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import { resolveCluster } from '../../src/engine/find-cluster.js';
import type { Report } from '../../src/engine/report.js';
import type { Locale } from '../../src/app/i18n/index.js';
import { launchChromium, type Browser } from '../support/chromium.js';
import { cardGeometry, renderCard } from '../support/card-in-browser.js';
import { startSimForTest, type SimForTest } from '../support/sim.js';

const SCREENSHOTS = path.resolve('test-results/screenshots');
const TEAMS_CARD_WIDTH = 540;
const REPORT_ID = 'r'.repeat(22);

let sim: SimForTest;
let browser: Browser;
const reports = new Map<string, Report>();

async function diagnose(name: string): Promise<Report> {
  const found = await resolveCluster(azureClusterDirectory(sim.layer, []), { by: 'name', name });
  if (found.kind !== 'found') throw new Error(`${name}: ${found.kind}`);
  return diagnoseCluster(sim.layer, found.cluster, { checks: ALL_CHECKS });
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium({ width: 600 });
  sim = await startSimForTest(['scenarios/egress-443-blocked-konnectivity.json', 'scenarios/nsg-deny-10250-subnet.json']);
  for (const name of ['aks-egress-443', 'aks-nsg-deny']) reports.set(name, await diagnose(name));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sim?.close();
});

describe.each([
  ['aks-egress-443', 'en'],
  ['aks-nsg-deny', 'en'],
  ['aks-egress-443', 'zh-CN'],
] as const)('the %s diagnosis card (%s) at 540 px', (cluster, locale: Locale) => {
  it('has its fix button within the first 400 px and is at most 900 px tall', async () => {
    const report = reports.get(cluster)!;
    const card = diagnosisCard(report, { reportId: REPORT_ID }, locale);
    await renderCard(browser.page, card, { width: TEAMS_CARD_WIDTH, lang: locale });
    const geometry = await cardGeometry(browser.page);
    await browser.page.locator('#card').screenshot({ path: path.join(SCREENSHOTS, `diagnosis-${cluster}-${locale}-540.png`) });
    const requestTitle = locale === 'en' ? 'Request this fix' : '申请此修复';
    const requests = geometry.buttons.filter((b) => b.visible && b.title === requestTitle);
    // One root cause, one button: the egress fix's plan restarts the crash-looping agents.
    expect(requests).toHaveLength(1);
    expect(requests[0]!.bottom).toBeLessThanOrEqual(400);
    expect(geometry.height).toBeLessThanOrEqual(900);
  });
});
