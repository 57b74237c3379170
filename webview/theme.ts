// Canvas colours come from the --vscode-* theme variables (through the --si-* aliases in media/webview.css, which
// also hold fallbacks for the standalone report). Canvas cannot use CSS variables directly, so they are read
// once per theme and re-read when VS Code switches theme (it changes the body class and the html style).
import { COLLECTIVE_KINDS, OP_KINDS } from '../src/protocol/opKinds';
import {
  SHADES,
  STYLE_COLLECTIVE,
  STYLE_COLLECTIVE_HIGHLIGHT,
  STYLE_COUNT,
  STYLE_HIGHLIGHT,
  STYLE_P2P,
} from './timeline/layout';

export interface Palette {
  /** Fill per layout style (see layout.ts styleOf). */
  styles: string[];
  /** The same fills as RGBA pixels (little-endian ABGR words) for the raster blit. */
  stylesRgba: Uint32Array;
  background: string;
  foreground: string;
  grid: string;
  idle: string;
  laneStripe: string;
  /** Op-label colour per layout style: black or white, whichever contrasts more with that fill. */
  labelOnStyle: string[];
  memory: string[];
  /** F (issue 13): the allocator-cache segment's own colour, a neutral grey no other memory term uses. */
  memoryCache: string;
  capacity: string;
}

export interface ThemeColors {
  normal: Palette;
  /** Used while a microbatch is highlighted: everything else fades so the microbatch reads across stages. */
  dimmed: Palette;
  /** Base colour per row of opKinds.ts OP_KINDS, and per row of COLLECTIVE_KINDS (the legend's swatches). */
  kindBase: string[];
  collectiveBase: string[];
  p2p: string;
  highlight: string;
}

type Rgb = [number, number, number];

let probe: CanvasRenderingContext2D | null = null;
/** Any CSS colour → rgb and alpha, by letting the canvas normalise it ("#rrggbb" or "rgba(r, g, b, a)"). */
function parseRgba(css: string, fallback: Rgb): [Rgb, number] {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe || !css.trim()) return [fallback, 1];
  probe.fillStyle = '#010203';
  probe.fillStyle = css.trim();
  const v = String(probe.fillStyle);
  if (v === '#010203' && css.trim() !== '#010203') return [fallback, 1];
  if (v.startsWith('#'))
    return [[parseInt(v.slice(1, 3), 16), parseInt(v.slice(3, 5), 16), parseInt(v.slice(5, 7), 16)], 1];
  const m = /rgba?\(([^)]+)\)/.exec(v);
  if (!m) return [fallback, 1];
  const [r, g, b, a] = (m[1] ?? '').split(',').map((s) => parseFloat(s));
  if (r === undefined || g === undefined || b === undefined) return [fallback, 1];
  return [[r, g, b], a === undefined || !Number.isFinite(a) ? 1 : a];
}

/** Any CSS colour → rgb (its alpha dropped). */
const parseColor = (css: string, fallback: Rgb): Rgb => parseRgba(css, fallback)[0];

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];
const toCss = (c: Rgb): string => `rgb(${Math.round(c[0])}, ${Math.round(c[1])}, ${Math.round(c[2])})`;
/** WCAG 2 relative luminance (sRGB channels linearised). */
function luminance(c: Rgb): number {
  const lin = (v: number): number => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}
const contrast = (a: Rgb, b: Rgb): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};
/**
 * Op labels ("3.1") take black or white per fill, whichever contrasts more: one colour for every bar read 1.8:1
 * (white on the dark theme's green backward bars) and 2.1:1 (white on the light theme's paler blue shades); WCAG
 * asks 4.5:1 for text.
 */
const labelColor = (fill: Rgb): string =>
  contrast([0, 0, 0], fill) >= contrast([255, 255, 255], fill) ? '#000000' : '#ffffff';

/**
 * A chart colour that stands out from the background by WCAG 1.4.11's 3:1 for graphics: unchanged when the theme's
 * own does (the dark themes), else stepped toward the foreground until it does (VS Code's light theme gives
 * charts.orange #d18616 at 2.9:1 and terminal.ansiCyan #11a8cd at 2.8:1 on white). Same hue family, darker.
 */
function withGraphicContrast(c: Rgb, bg: Rgb, fg: Rgb): Rgb {
  for (let step = 0; step <= 20; step++) {
    // Rounded as toCss will draw it, so the drawn colour is the one that passes.
    const shaded = mix(c, fg, step * 0.05).map(Math.round) as Rgb;
    if (contrast(shaded, bg) >= 3) return shaded;
  }
  return fg;
}

export function readThemeColors(el: Element = document.body): ThemeColors {
  const cs = getComputedStyle(el);
  const v = (name: string, fb: Rgb): Rgb => parseColor(cs.getPropertyValue(name), fb);
  const bg = v('--si-bg', [30, 30, 30]);
  const fg = v('--si-fg', [204, 204, 204]);
  const kinds: Rgb[] = OP_KINDS.map((k) => v(k.cssVar, [...k.fallbackRgb]));
  const collectives: Rgb[] = COLLECTIVE_KINDS.map((k) => v(k.cssVar, [...k.fallbackRgb]));
  const p2p = v('--si-p2p', [209, 134, 22]);
  const hl = v('--si-highlight', [241, 76, 76]);
  const idle = v('--si-idle', [204, 167, 0]);
  const grid = v('--si-grid', [69, 69, 69]);
  // Categorical order: adjacent stacked categories (activations, kv cache, logits) must not share a hue, and red
  // is kept last because the capacity line is red.
  const memoryVars = [
    '--si-forward',
    '--si-backward',
    '--si-weight',
    '--si-p2p',
    '--si-mem-7',
    '--si-mem-6',
    '--si-mem-8',
    '--si-highlight',
  ];
  // kinds has OP_KINDS.length ≥ 3 entries (F, B, W first).
  const memory = memoryVars.map((name, i) => toCss(withGraphicContrast(v(name, kinds[i % 3]!), bg, fg)));
  // The allocator cache (issue 13) is the theme's muted-text colour: a grey, so it is never taken for a tensor term,
  // and themes keep it legible on their background. VS Code gives it with an alpha (#ccccccb3 in Dark Modern), so it
  // is composited over the background as the panel shows it.
  const [cacheRgb, cacheAlpha] = parseRgba(cs.getPropertyValue('--si-mem-cache'), mix(fg, bg, 0.3));
  const memoryCache = toCss(mix(bg, cacheRgb, cacheAlpha));

  const palette = (fade: number): Palette => {
    const rgb: Rgb[] = new Array<Rgb>(STYLE_COUNT);
    kinds.forEach((base, kind) => {
      // Shades step toward the background; 0.14 per step stays distinguishable on both light and dark themes.
      for (let s = 0; s < SHADES; s++) rgb[kind * SHADES + s] = mix(mix(base, bg, s * 0.14), bg, fade);
      rgb[STYLE_HIGHLIGHT + kind] = mix(hl, base, 0.25);
    });
    rgb[STYLE_P2P] = mix(p2p, bg, fade);
    collectives.forEach((base, c) => {
      rgb[STYLE_COLLECTIVE + c] = mix(base, bg, fade);
      rgb[STYLE_COLLECTIVE_HIGHLIGHT + c] = mix(hl, base, 0.25);
    });
    const stylesRgba = new Uint32Array(STYLE_COUNT);
    rgb.forEach((c, i) => {
      stylesRgba[i] = ((255 << 24) | (Math.round(c[2]) << 16) | (Math.round(c[1]) << 8) | Math.round(c[0])) >>> 0;
    });
    return {
      styles: rgb.map(toCss),
      stylesRgba,
      background: toCss(bg),
      foreground: toCss(fg),
      grid: toCss(mix(grid, bg, 0.2)),
      idle: toCss(mix(idle, bg, 0.55)),
      laneStripe: toCss(mix(fg, bg, 0.94)),
      labelOnStyle: rgb.map(labelColor),
      memory,
      memoryCache,
      capacity: toCss(hl),
    };
  };
  return {
    normal: palette(0),
    dimmed: palette(0.6),
    kindBase: kinds.map(toCss),
    collectiveBase: collectives.map(toCss),
    p2p: toCss(p2p),
    highlight: toCss(hl),
  };
}

/** Colours the legend's swatches (parts.ts legend()), in its order, from the theme. */
export function paintLegendSwatches(colors: ThemeColors): void {
  const swatches = [
    colors.kindBase[0],
    colors.kindBase[1],
    colors.kindBase[2],
    colors.p2p,
    colors.normal.idle,
    colors.highlight,
  ];
  Array.from(document.querySelectorAll<HTMLElement>('.si-swatch')).forEach((el, i) => {
    el.style.background = swatches[i] ?? '';
  });
}

/** Calls `onChange` when VS Code switches theme: it swaps the body class and rewrites the html style variables. */
export function observeTheme(onChange: () => void): MutationObserver {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    // Both attributes change in one theme switch; coalesce into one redraw.
    queueMicrotask(() => {
      pending = false;
      onChange();
    });
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return observer;
}
