/**
 * Renders a diagnosis card with the official adaptivecards renderer in headless Chromium and saves a
 * PNG (the README's pictures):
 *   `npx tsx scripts/render-card.ts <cluster> <out.png> [width px, default 540] [en|zh-CN]`
 * 540 px is Teams' chat width for a card; 400 px a phone. Diagnoses the cluster in the demo estate
 * (scenarios/) through the simulated Azure, like `npm start`, and stores nothing: the card has
 * Request buttons as a stored report's would. Chromium comes from npm (test/support/chromium.ts);
 * emoji and CJK glyphs need the machine's fonts (e.g. Debian's fonts-noto-color-emoji,
 * fonts-wqy-microhei) — the pictures only, never the tests.
 */
import path from 'node:path';
import { createAzureLayer } from '../src/azure/clients.js';
import { diagnosisCard } from '../src/app/cards/index.js';
import { localeOf } from '../src/app/i18n/index.js';
import { ALL_CHECKS } from '../src/engine/checks/index.js';
import { azureClusterDirectory } from '../src/engine/cluster-directory.js';
import { diagnoseCluster } from '../src/engine/diagnose.js';
import { resolveCluster } from '../src/engine/find-cluster.js';
import { loadScenarioDir } from '../src/scenario/load.js';
import { startSimulatedAzure } from '../src/sim/server.js';
import { launchChromium } from '../test/support/chromium.js';
import { cardGeometry, renderCard } from '../test/support/card-in-browser.js';

const [cluster = 'aks-nsg-deny', out = 'docs/card-diagnosis.png', widthArg = '540', localeArg = 'en'] = process.argv.slice(2);
const width = Number(widthArg);
const locale = localeOf(localeArg);
const sim = await startSimulatedAzure({ scenarios: loadScenarioDir(path.resolve('scenarios')), latencyScale: 0 });
try {
  const layer = createAzureLayer({ mode: 'simulated', endpoint: sim.url, fast: true });
  const found = await resolveCluster(azureClusterDirectory(layer, []), { by: 'name', name: cluster });
  if (found.kind !== 'found') throw new Error(`${cluster}: ${found.kind}`);
  const report = await diagnoseCluster(layer, found.cluster, { checks: ALL_CHECKS });
  // A report id shaped like a stored one, so the card shows its Request buttons.
  const card = diagnosisCard(report, { reportId: 'r'.repeat(22) }, locale);
  const browser = await launchChromium({ width: width + 32, colorScheme: 'light' });
  try {
    await renderCard(browser.page, card, { width, lang: locale });
    const geometry = await cardGeometry(browser.page);
    await browser.page.locator('#card').screenshot({ path: out });
    const first = geometry.buttons.find((b) => b.visible);
    console.log(`wrote ${out}: ${width} px wide, ${Math.round(geometry.height)} px tall, first button "${first?.title}" at ${Math.round(first?.top ?? -1)} px`);
  } finally {
    await browser.close();
  }
} finally {
  await sim.close();
}
