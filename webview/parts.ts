// Pieces of the panel page that hold no state of the app: the step-time bar, the timeline legend and its one-line
// help, and the standalone report's theme (which follows the browser, as there is no VS Code to set one).
import type { StepTimeBreakdown } from '../src/core/types';
import type { ScheduleHeader } from '../src/protocol/messages';
import { stepTimeParts } from '../src/protocol/stepTime';
import { formatCount } from './format';

export function div(className: string): HTMLDivElement {
  const d = document.createElement('div');
  d.className = className;
  return d;
}

/**
 * The step time as one stacked bar of its parts (issue 14: what dominates it), with a legend of percentages and
 * times; the same parts and words as the hover's "Step time" line (protocol/stepTime.ts). Empty when the schedule
 * has no breakdown (an extrapolated or not simulated run).
 */
export function renderStepTime(box: HTMLElement, b: StepTimeBreakdown | null, stepMs: number | null): void {
  box.replaceChildren();
  box.hidden = !b || !stepMs;
  if (!b || !stepMs) return;
  const parts = stepTimeParts(b).filter((p) => p.ms > 0);
  const title = document.createElement('div');
  title.className = 'si-steptime-title';
  title.textContent = `Step time ${fmt(stepMs, 1)} ms on rank ${b.rank} (the stage that finishes last), by what it is spent on:`;
  const bar = document.createElement('div');
  bar.className = 'si-steptime-bar';
  bar.setAttribute('role', 'img');
  const legendBox = div('si-legend');
  const words: string[] = [];
  for (const p of parts) {
    const share = p.ms / stepMs;
    const text = `${p.label} ${(share * 100).toFixed(1)} % (${fmt(p.ms, 1)} ms)`;
    words.push(text);
    const seg = document.createElement('span');
    seg.className = `si-steptime-seg si-term-${p.key}`;
    seg.style.flexGrow = String(p.ms);
    seg.title = text;
    bar.append(seg);
    const item = document.createElement('span');
    item.className = 'si-legend-item';
    const sw = document.createElement('span');
    sw.className = `si-swatch si-term-${p.key}`;
    item.append(sw, textSpan(text));
    legendBox.append(item);
  }
  bar.setAttribute('aria-label', `Step time by term: ${words.join(', ')}`);
  box.append(title, bar, legendBox);
}

/** A span of text (textContent only: legend words may carry file names from the workspace). */
export function textSpan(text: string): HTMLElement {
  const s = document.createElement('span');
  s.textContent = text;
  return s;
}

type SwatchStyle = Partial<Pick<CSSStyleDeclaration, 'width' | 'height' | 'background' | 'border'>>;

/**
 * A legend entry of the timeline's own rows (measured spans, Vocabulary Parallelism): its swatch is styled through the
 * CSSOM (allowed by the page's CSP), not with the shared .si-swatch class, whose colours the app assigns by position.
 */
export function styledLegendItem(text: string, swatch: SwatchStyle, swatchClass = ''): HTMLElement {
  const it = document.createElement('span');
  it.className = 'si-legend-item';
  const sw = document.createElement('span');
  if (swatchClass) sw.className = swatchClass;
  sw.style.display = 'inline-block';
  Object.assign(sw.style, swatch);
  it.append(sw, textSpan(text));
  return it;
}

/** A checkbox at the head of a legend row, with its words. */
export function legendToggle(
  id: string,
  checked: boolean,
  text: string,
  onChange: (checked: boolean) => void,
): HTMLLabelElement {
  const label = document.createElement('label');
  label.className = 'si-legend-item';
  const toggle = document.createElement('input');
  toggle.type = 'checkbox';
  toggle.checked = checked;
  toggle.id = id;
  toggle.addEventListener('change', () => onChange(toggle.checked));
  label.append(toggle, textSpan(text));
  return label;
}

export function legend(): HTMLElement {
  const box = div('si-legend');
  for (const name of ['F forward', 'B backward', 'W weight grad', 'p2p transfer', 'idle', 'highlighted microbatch']) {
    const item = document.createElement('span');
    item.className = 'si-legend-item';
    const sw = document.createElement('span');
    sw.className = 'si-swatch';
    item.append(sw, textSpan(name));
    box.append(item);
  }
  return box;
}

/**
 * The line over the timeline: the schedule, its shape, step time, bubble, worst-stage peak, ops and GPU. The peak is
 * the reserved one, as the code lens, status bar, hover, warning and CLI show it (issue 17: one number).
 */
export function summaryLine(
  sh: ScheduleHeader,
  ops: { stages: number; opCount: number },
  peaks: readonly number[] | null | undefined,
  gpu: string,
  plainShown = false,
): string {
  const peak = peaks?.length ? Math.max(...peaks) : null;
  const v = sh.virtualStages > 1 ? ` · v=${sh.virtualStages}` : '';
  const bubble = fmt(sh.bubbleFraction == null ? null : sh.bubbleFraction * 100, 1);
  return `${sh.schedule} · p=${ops.stages} · m=${sh.timeline?.microbatches ?? '?'} · k=${sh.splits}${v} · step ${fmt(sh.stepTimeMs, 1)} ms · bubble ${bubble} % · worst-stage peak ${fmt(peak, 1)} GiB reserved${sh.oom ? ' · OOM' : ''} · ${formatCount(ops.opCount)} ops · ${gpu}${vocabParallelNote(sh, plainShown || !sh.vocabTimeline)}`;
}

/** The schedule Vocabulary Parallelism runs on, as the summary names it ("1F1B"; C, issue 18: also V-Half). */
export const plainScheduleName = (sh: ScheduleHeader): string =>
  sh.schedule === '1f1b' ? '1F1B' : sh.schedule === 'v-half' ? 'V-Half' : sh.schedule;

/**
 * E/D (issue 18): a vocabulary-parallel schedule has its own step, bubble and peaks; the timeline is its run (D), unless
 * the plain schedule is chosen or the host sent no run; the memory line is the plain schedule's either way.
 */
function vocabParallelNote(sh: ScheduleHeader, plainTimeline: boolean): string {
  const vp = sh.vocabParallel;
  if (!vp) return '';
  const name = plainScheduleName(sh);
  const head = ` · Vocabulary Parallelism (algorithm ${vp.algorithm}) on ${name}: step, bubble and peaks from its own run`;
  return plainTimeline
    ? `${head}; the timeline and memory lines show plain ${name} (step ${fmt(vp.plainStepTimeMs, 1)} ms)`
    : `${head}, drawn below; the memory line shows plain ${name} (step ${fmt(vp.plainStepTimeMs, 1)} ms)`;
}

export const fmt = (x: number | null | undefined, digits: number): string =>
  x == null || !Number.isFinite(x) ? '—' : x.toFixed(digits);

/**
 * The one-line help under the legend: the timeline's keys and mouse, and what an op label says for this schedule
 * (webview/timeline/layout.ts labelFor: the microbatch, then ".chunk" when k > 1, then " v<model chunk>" when v > 1;
 * all counted from 0, as in the tooltip).
 */
export function renderHelp(box: HTMLElement, splits: number, virtualStages: number): void {
  const example = `3${splits > 1 ? '.1' : ''}${virtualStages > 1 ? ' v1' : ''}`;
  const meaning = [
    'microbatch 3',
    ...(splits > 1 ? ['sequence chunk 1'] : []),
    ...(virtualStages > 1 ? ['model chunk 1'] : []),
  ].join(', ');
  const parts: (string | [string])[] = [
    'Focus the timeline (click or Tab): ',
    ['+'],
    ' ',
    ['-'],
    ' zoom, ',
    ['←'],
    ' ',
    ['→'],
    ' pan, ',
    ['0'],
    ' reset, ',
    ['Esc'],
    ` unhighlight; wheel and drag work too. Label "${example}" = ${meaning} (from 0); click an op to highlight its microbatch.`,
  ];
  box.replaceChildren(
    ...parts.map((p) => {
      if (typeof p === 'string') return document.createTextNode(p);
      const k = document.createElement('kbd');
      k.textContent = p[0];
      return k;
    }),
  );
}

type ThemeKind = 'vscode-dark' | 'vscode-light' | 'vscode-high-contrast' | 'vscode-high-contrast-light';
const THEME_KINDS: readonly ThemeKind[] = [
  'vscode-dark',
  'vscode-light',
  'vscode-high-contrast',
  'vscode-high-contrast-light',
];

/** The report's theme from the browser's colour-scheme and contrast preferences (forced colours count as high contrast). */
function preferredThemeKind(): ThemeKind {
  const light = matchMedia('(prefers-color-scheme: light)').matches;
  const high = matchMedia('(prefers-contrast: more)').matches || matchMedia('(forced-colors: active)').matches;
  if (high) return light ? 'vscode-high-contrast-light' : 'vscode-high-contrast';
  return light ? 'vscode-light' : 'vscode-dark';
}

/**
 * Gives the standalone report the body classes VS Code would (media/webview.css defines the --vscode-* colours for
 * each), and follows the browser when its preference changes; the theme observer then redraws the canvases.
 */
export function followBrowserTheme(): void {
  const apply = (): void => {
    const kind = preferredThemeKind();
    document.body.classList.remove(...THEME_KINDS);
    document.body.classList.add('si-standalone', kind);
    // The toolkit reads this attribute for its high-contrast edge cases, as in VS Code.
    document.body.setAttribute('data-vscode-theme-kind', kind);
  };
  apply();
  for (const q of ['(prefers-color-scheme: light)', '(prefers-contrast: more)', '(forced-colors: active)'])
    matchMedia(q).addEventListener('change', apply);
}

/** Whether any Seq1F1B-family schedule can run on the file: k and its split strategy mean something only then. */
export function seq1f1bApplies(schedules: readonly ScheduleHeader[]): boolean {
  return schedules.some((s) => s.schedule.startsWith('seq1f1b') && s.applicable);
}
