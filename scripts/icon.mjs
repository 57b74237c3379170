#!/usr/bin/env node
// Renders media/icon.svg (ours) to media/icon.png, the 256×256 marketplace icon, in headless Chromium — the same
// browser the webview tests use — so no image tool is needed. Run after editing the SVG: `node scripts/icon.mjs`.
import { readFileSync } from 'node:fs';
import { launch } from '../test/webview/lib.mjs';

const svg = readFileSync(new URL('../media/icon.svg', import.meta.url), 'utf8');
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 256, height: 256 }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page
    .locator('svg')
    .screenshot({ path: new URL('../media/icon.png', import.meta.url).pathname, omitBackground: true });
} finally {
  await browser.close();
}
console.log('media/icon.png written');
