// The k sweep of the Compare view: step time and worst-stage peak memory of one Seq1F1B-family schedule for
// each k and both partition strategies. Shared by the panel host (through the analysis service's what-ifs) and
// the CLI report (through analyze() directly); no vscode import. The k values swept are SWEEP_SPLITS (protocol/).
import type { AnalysisResult, AnalyzeOptions } from '../core/analyze';
import type { ScheduleName } from '../core/types';
import { STRATEGIES, type SweepPoint } from '../protocol/messages';

export type WhatIfRunner = (overrides: NonNullable<AnalyzeOptions['overrides']>) => AnalysisResult | undefined;

/** Seq1F1B with one chunk per microbatch is its base schedule; the engine reads k = 1 as "keep the file's k". */
const K1_EQUIVALENT: Partial<Record<ScheduleName, ScheduleName>> = {
  seq1f1b: '1f1b',
  'seq1f1b-interleaved': '1f1b-interleaved',
  'seq1f1b-zb': 'zb-h1',
};

function point(run: WhatIfRunner, schedule: ScheduleName, strategy: SweepPoint['strategy'], k: number): SweepPoint {
  const asSchedule = k === 1 ? (K1_EQUIVALENT[schedule] ?? schedule) : schedule;
  const e = run({ schedule: asSchedule, splits: k, strategy })?.schedules[asSchedule];
  const ok = !!e && e.applicable && e.splits === k;
  return {
    strategy,
    splits: k,
    stepTimeMs: ok ? e.stepTimeMs : null,
    // The reserved peak: the figure every surface shows and the OOM verdict compares with capacity (issue 17).
    peakGiB: ok ? worstGiB(e.peakReservedGiBPerStage ?? e.peakMemoryGiBPerStage) : null,
    oom: ok ? e.oom : null,
  };
}

export function sweepSplits(run: WhatIfRunner, schedule: ScheduleName, splits: readonly number[]): SweepPoint[] {
  return STRATEGIES.flatMap((strategy) => splits.map((k) => point(run, schedule, strategy, k)));
}

/**
 * The same sweep on the extension host, yielding between points: each point is a full analysis (tens of ms on a
 * large model), and a blocked extension host would stall every hover and code lens meanwhile.
 */
export async function sweepSplitsYielding(
  run: WhatIfRunner,
  schedule: ScheduleName,
  splits: readonly number[],
  pause: () => Promise<void>,
): Promise<SweepPoint[]> {
  const points: SweepPoint[] = [];
  for (const strategy of STRATEGIES) {
    for (const k of splits) {
      points.push(point(run, schedule, strategy, k));
      await pause();
    }
  }
  return points;
}

function worstGiB(perStage: readonly number[] | null): number | null {
  return perStage?.length ? Math.max(...perStage) : null;
}
