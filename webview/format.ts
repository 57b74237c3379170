// Number formatting for the webview that needs no DOM (unit-tested in Node).

/**
 * A count with its digits grouped by commas, as en-US toLocaleString writes it ("106,496"), without it: the first
 * toLocaleString or Intl call in a page loads the ICU locale data, 30–170 ms in headless Chromium on this machine,
 * and the summary line is written on the way to the timeline's first paint (issue 16).
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n);
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = digits.length; i > 0; i -= 3) out = digits.slice(Math.max(0, i - 3), i) + (out ? ',' + out : '');
  return (n < 0 ? '-' : '') + out;
}

/** A time in ms (or s past a second) with as many decimals as the step between neighbouring values needs. */
export function formatMs(ms: number, stepMs: number): string {
  if (stepMs >= 1000) return `${(ms / 1000).toFixed(stepMs >= 10000 ? 0 : 1)} s`;
  const digits = Math.max(0, Math.min(3, -Math.floor(Math.log10(stepMs))));
  return `${ms.toFixed(digits)} ms`;
}
