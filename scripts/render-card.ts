/**
 * Renders a diagnosis card with the official adaptivecards renderer in headless Chromium and saves a
 * PNG (the README's picture): `npx tsx scripts/render-card.ts <cluster> <out.png>`.
 * Diagnoses the cluster in the demo estate (scenarios/) through the simulated Azure, like `npm start`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createAzureLayer } from '../src/azure/clients.js';
import { diagnosisCard } from '../src/app/cards/index.js';
import { ALL_CHECKS } from '../src/engine/checks/index.js';
import { azureClusterDirectory } from '../src/engine/cluster-directory.js';
import { diagnoseCluster } from '../src/engine/diagnose.js';
import { resolveCluster } from '../src/engine/find-cluster.js';
import { loadScenarioDir } from '../src/scenario/load.js';
import { startSimulatedAzure } from '../src/sim/server.js';
import { launchHeadless } from '../test/support/chromium.js';

const [cluster = 'aks-nsg-deny', out = 'docs/card-diagnosis.png'] = process.argv.slice(2);
const sim = await startSimulatedAzure({ scenarios: loadScenarioDir(path.resolve('scenarios')), latencyScale: 0 });
try {
  const layer = createAzureLayer({ mode: 'simulated', endpoint: sim.url, fast: true });
  const found = await resolveCluster(azureClusterDirectory(layer, []), { by: 'name', name: cluster });
  if (found.kind !== 'found') throw new Error(`${cluster}: ${found.kind}`);
  const card = diagnosisCard(await diagnoseCluster(layer, found.cluster, { checks: ALL_CHECKS }));
  const bundle = readFileSync(path.resolve('node_modules/adaptivecards/dist/adaptivecards.min.js'), 'utf8');
  const browser = await launchHeadless();
  const page = await browser.newPage({ viewport: { width: 560, height: 400 }, deviceScaleFactor: 1 });
  await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><style>
    body { margin: 0; padding: 16px; background: #f5f5f5; font-family: "Segoe UI", system-ui, sans-serif; }
    #card { background: #fff; border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.15); overflow: hidden; }
  </style></head><body><div id="card"></div><script>${bundle}</script></body></html>`);
  await page.evaluate((json) => {
    const AC = (window as unknown as { AdaptiveCards: any }).AdaptiveCards;
    const ac = new AC.AdaptiveCard();
    ac.hostConfig = new AC.HostConfig({ fontFamily: 'Segoe UI, system-ui, sans-serif' });
    ac.parse(json);
    document.getElementById('card')!.appendChild(ac.render());
  }, card);
  const el = await page.$('#card');
  await el!.screenshot({ path: out });
  await browser.close();
  console.log(`wrote ${out}`);
} finally {
  await sim.close();
}
