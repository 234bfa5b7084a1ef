/**
 * An Adaptive Card drawn by the official renderer (adaptivecards' browser bundle) in Chromium, at a
 * given width, for the layout tests and the docs/ pictures. Teams' chat column is about 540 px wide
 * for a card; phones are narrower (400 px here).
 * Geometry is measured from the DOM (never from glyphs: the npm Chromium may lack CJK fonts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** The few DOM shapes used inside page.evaluate (the project compiles without the DOM lib). */
interface Box {
  top: number;
  height: number;
  bottom: number;
}
interface El {
  getBoundingClientRect(): Box;
  getAttribute(name: string): string | null;
  textContent: string | null;
  querySelectorAll(selector: string): Iterable<El>;
  appendChild(child: unknown): void;
}
interface PageGlobals {
  AdaptiveCards: any;
  document: { getElementById(id: string): El };
}

const BUNDLE = path.resolve('node_modules/adaptivecards/dist/adaptivecards.min.js');

export interface CardGeometry {
  /** The rendered card's height, px. */
  height: number;
  /** Each button (title, top and bottom relative to the card's top, visible or not), in document order. */
  buttons: Array<{ title: string; top: number; bottom: number; visible: boolean }>;
}

/** Renders `card` into a fresh page of `page`'s context width `width`; resolves once drawn. */
export async function renderCard(page: Page, card: object, opts: { width: number; lang?: string }): Promise<void> {
  await page.setViewportSize({ width: opts.width + 32, height: 900 });
  const bundle = readFileSync(BUNDLE, 'utf8');
  await page.setContent(`<!doctype html><html lang="${opts.lang ?? 'en'}"><head><meta charset="utf-8"><style>
    body { margin: 0; padding: 16px; background: #f5f5f5; font-family: "Segoe UI", system-ui, sans-serif; }
    #card { width: ${opts.width}px; background: #fff; border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.15); overflow: hidden; }
  </style></head><body><div id="card"></div><script>${bundle}</script></body></html>`);
  await page.evaluate((json) => {
    const g = globalThis as unknown as PageGlobals;
    const AC = g.AdaptiveCards;
    const ac = new AC.AdaptiveCard();
    ac.hostConfig = new AC.HostConfig({ fontFamily: 'Segoe UI, system-ui, sans-serif' });
    ac.parse(json);
    g.document.getElementById('card').appendChild(ac.render());
  }, card);
}

export async function cardGeometry(page: Page): Promise<CardGeometry> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as PageGlobals).document.getElementById('card');
    const top = root.getBoundingClientRect().top;
    const buttons = [...root.querySelectorAll('button')].map((b) => {
      const r = b.getBoundingClientRect();
      return { title: (b.getAttribute('aria-label') ?? b.textContent ?? '').trim(), top: r.top - top, bottom: r.bottom - top, visible: r.height > 0 };
    });
    return { height: root.getBoundingClientRect().height, buttons };
  });
}
