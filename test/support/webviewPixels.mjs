// Reading what the webview drew, for the webview runner (test/webview/run.mjs): animation frames, canvas pixels, colour comparison, and
/* global document, getComputedStyle, requestAnimationFrame -- used inside page.evaluate callbacks, which run in the page */
// whether a canvas holds a drawing at all. Each helper runs its work inside the page (playwright's evaluate).
import assert from 'node:assert/strict';

export const nextFrames = (page, n = 2) =>
  page.evaluate(
    (k) =>
      new Promise((ok) => {
        const step = (i) => (i ? requestAnimationFrame(() => step(i - 1)) : ok());
        step(k);
      }),
    n,
  );

/** Canvas pixel (CSS coordinates relative to the canvas) as [r, g, b]. */
export const pixelAt = (page, sel, x, y) =>
  page.evaluate(
    ({ sel, x, y }) => {
      const c = document.querySelector(sel);
      const dpr = c.width / c.getBoundingClientRect().width;
      const d = c.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data;
      return [d[0], d[1], d[2]];
    },
    { sel, x, y },
  );

export const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
export const near = (a, b, tol = 6) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

/** A colour as [r, g, b]: `#rrggbb`, `rgb(…)` / `rgba(…)` (alpha dropped), or already an array. */
export const rgbOf = (c) =>
  Array.isArray(c) ? c : c.startsWith('#') ? hex(c) : c.match(/\d+/g).slice(0, 3).map(Number);

/** WCAG 2 contrast ratio of two colours (relative luminance of the linearised sRGB channels). */
export function contrastRatio(a, b) {
  const lum = (c) =>
    rgbOf(c).reduce((s, v, i) => {
      const x = v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4;
      return s + [0.2126, 0.7152, 0.0722][i] * x;
    }, 0);
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Every visible canvas of the page, with the share of its pixels that are drawn ink: opaque enough and away from the
 * theme's editor background. Sampled on a 3-pixel grid (a full read of a 2× canvas is slow and says no more).
 */
const canvasInk = (page) =>
  page.evaluate(() => {
    const bgHex = getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background').trim();
    const bg = [1, 3, 5].map((i) => parseInt(bgHex.slice(i, i + 2), 16));
    return [...document.querySelectorAll('canvas')]
      .filter((c) => c.offsetParent !== null && c.width > 0 && c.height > 0)
      .map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        let n = 0;
        for (let y = 0; y < c.height; y += 3) {
          for (let x = 0; x < c.width; x += 3) {
            const i = (y * c.width + x) * 4;
            n++;
            if (
              d[i + 3] > 32 &&
              Math.max(Math.abs(d[i] - bg[0]), Math.abs(d[i + 1] - bg[1]), Math.abs(d[i + 2] - bg[2])) > 24
            )
              ink++;
          }
        }
        const where = c.closest('[id]')?.id ?? '';
        return { name: `${where} ${c.className || 'canvas'}`.trim(), ink: ink / n };
      });
  });

/** Each visible canvas shows a drawing (≥ 0.5 % ink), not a blank or background-only box; returns how many. */
export async function assertCanvasesDrawn(page, what) {
  const canvases = await canvasInk(page);
  assert.ok(canvases.length > 0, `${what}: no visible canvas`);
  for (const c of canvases)
    assert.ok(c.ink >= 0.005, `${what}: ${c.name} is blank (${(c.ink * 100).toFixed(2)} % ink)`);
  return canvases.length;
}
