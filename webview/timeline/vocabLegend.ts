// D (issue 18): a schedule whose file runs Vocabulary Parallelism has two timelines — the vocabulary-parallel run
// (its own simulator: S and T passes on every rank, the broadcast and the all-reduce barriers) and plain 1F1B. The
// run is shown by default, since its figures are the ones in the summary; a toggle in the legend row shows plain
// 1F1B for comparison. This module keeps the unpacked runs, the toggle and that legend row, so the app only asks
// which ops to draw.
import type { ScheduleName } from '../../src/core/types';
import type { AnalysisHeader, ScheduleHeader } from '../../src/protocol/messages';
import { COLLECTIVE_KINDS, OP_KINDS, OP_S, OP_T } from '../../src/protocol/opKinds';
import { unpackTimeline, type TimelineArrays } from '../../src/protocol/pack';
import { legendToggle, plainScheduleName, styledLegendItem } from '../parts';
import type { ThemeColors } from '../theme';
import { collectiveRowKinds } from './layout';
import type { TimelineInfo } from './timelineView';

/** What to draw for a schedule: the ops, and the run's details when they are the vocabulary-parallel run's. */
export interface ShownTimeline {
  ops: TimelineArrays;
  vocab: TimelineInfo['vocab'] | null;
}

export class VocabRuns {
  /** The legend row with the toggle and the one-line rule; empty when the schedule has no vocabulary-parallel run. */
  readonly box: HTMLDivElement;
  private runs = new Map<ScheduleName, TimelineArrays>();
  /** Whether plain 1F1B is shown instead of the run (the toggle); kept for the session. */
  private plainShown = false;
  private colors: ThemeColors | null = null;
  private current: { sh: ScheduleHeader; run: TimelineArrays } | null = null;

  constructor(private readonly onToggle: () => void) {
    this.box = document.createElement('div');
    this.box.className = 'si-vocab';
  }

  /** Unpacks each schedule's run; returns what could not be read ("schedule: reason"), as the app's own unpacking. */
  load(h: AnalysisHeader, buffers: readonly ArrayBuffer[]): string[] {
    this.runs.clear();
    const problems: string[] = [];
    for (const s of h.schedules) {
      if (!s.vocabTimeline) continue;
      const t = unpackTimeline(s.vocabTimeline.layout, buffers[s.vocabTimeline.bufferIndex]);
      if (typeof t === 'string') problems.push(`${s.schedule} (Vocabulary Parallelism): ${t}`);
      else this.runs.set(s.schedule, t);
    }
    return problems;
  }

  clear(): void {
    this.runs.clear();
    this.render(null, null);
  }

  /** The ops to draw for `sh`: its vocabulary-parallel run unless plain 1F1B is chosen, else `plain`. */
  shown(sh: ScheduleHeader, plain: TimelineArrays): ShownTimeline {
    const run = this.runs.get(sh.schedule);
    if (!run || !sh.vocabParallel || this.plainShown) return { ops: plain, vocab: null };
    return { ops: run, vocab: { algorithm: sh.vocabParallel.algorithm, microbatches: sh.timeline?.microbatches ?? 0 } };
  }

  /** Whether the ops drawn for `sh` are plain 1F1B although a run exists (the summary says which it is). */
  showsPlain(sh: ScheduleHeader): boolean {
    return this.plainShown && this.runs.has(sh.schedule);
  }

  setColors(colors: ThemeColors): void {
    this.colors = colors;
    if (this.current) this.render(this.current.sh, this.current.run);
  }

  /** The legend row for the schedule shown (nothing when it has no run). */
  renderFor(sh: ScheduleHeader | null): void {
    const run = sh ? this.runs.get(sh.schedule) : undefined;
    this.render(sh, run ?? null);
  }

  private render(sh: ScheduleHeader | null, run: TimelineArrays | null): void {
    this.current = sh && run ? { sh, run } : null;
    if (!sh || !run || !sh.vocabParallel) {
      this.box.replaceChildren();
      return;
    }
    const vp = sh.vocabParallel;
    const row = document.createElement('div');
    row.className = 'si-legend';
    const name = plainScheduleName(sh);
    const label = legendToggle('si-vocab-plain', this.plainShown, `plain ${name} instead`, (checked) => {
      this.plainShown = checked;
      this.onToggle();
    });
    const swatches = [OP_S, OP_T].map((k) => item(OP_KINDS[k]!.legend, this.colors?.kindBase[k] ?? '', 'bar'));
    const rows = collectiveRowKinds(run).map((k) =>
      item(COLLECTIVE_KINDS[k]!.name, this.colors?.collectiveBase[k] ?? '', 'row'),
    );
    row.append(...(this.plainShown ? [] : [...swatches, ...rows]), label);
    const rule = document.createElement('div');
    rule.className = 'si-help si-vocab-help';
    const ranks = run.stages;
    rule.textContent = this.plainShown
      ? `Showing plain ${name} (step ${vp.plainStepTimeMs.toFixed(1)} ms) for comparison; the summary's step, bubble and peaks stay the Vocabulary Parallelism run's.`
      : `Vocabulary Parallelism, algorithm ${vp.algorithm} (${vp.algorithm === 1 ? 'two barriers, C0 and C1' : 'one barrier, C0'}): the output layer is split over all ${ranks} ranks, each running an S and a T pass of its vocabulary shard per microbatch; the rows under the lanes are collectives of all ${ranks} ranks. The memory line is plain ${name}'s (tick the box to see it with its timeline).`;
    this.box.replaceChildren(row, rule);
  }
}

/** A legend item: a bar swatch for an op kind, a thin one for a collective row. */
function item(text: string, color: string, shape: 'bar' | 'row'): HTMLElement {
  return styledLegendItem(text, { width: '14px', height: shape === 'bar' ? '10px' : '5px', background: color });
}
