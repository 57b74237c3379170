// The step time split by what it is spent on (issue 14), in the order and words every surface uses: the hover's
// "Step time: …" line and the panel's stacked bar read the same parts.
import type { StepTimeBreakdown } from '../core/types';

export interface StepTimePart {
  /** Stable key, also the CSS class suffix of the panel's segment (`si-term-compute`). */
  key: 'compute' | 'nonGemm' | 'comm' | 'recompute' | 'overhead' | 'idle' | 'dp' | 'optimizer';
  label: string;
  ms: number;
}

/**
 * The parts that add up to the step time of the rank that finishes last (cost/breakdown.ts), in a fixed order:
 * the work of its ops, then its waits, then what follows the flush. p2p is left out: its transfers are inside the
 * waits or hidden under compute, so it is no part of the sum.
 */
export function stepTimeParts(b: StepTimeBreakdown): StepTimePart[] {
  return [
    { key: 'compute', label: 'compute', ms: b.computeMs },
    { key: 'nonGemm', label: 'non-GEMM', ms: b.nonGemmMs },
    { key: 'comm', label: 'TP/EP/CP comm', ms: b.commMs },
    { key: 'recompute', label: 'recompute', ms: b.recomputeMs },
    { key: 'overhead', label: 'per-op overhead', ms: b.overheadMs },
    { key: 'idle', label: 'bubble + p2p waits', ms: b.idleMs },
    { key: 'dp', label: 'DP', ms: b.dpMs },
    { key: 'optimizer', label: 'optimizer', ms: b.optimizerMs },
  ];
}
