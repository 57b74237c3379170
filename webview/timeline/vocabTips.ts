// D (issue 18): the tooltip lines of a vocabulary-parallel run (Yeung et al., "Balancing Pipeline Parallelism with
// Vocabulary Parallelism", MLSys 2025): which collective an op waits for, and what a collective carries, waits for
// and releases. The waits are the simulator's (src/core/schedule/vocabParallel.ts lReady / opReady), which the host
// turned into the collectives drawn (src/protocol/vocabTimeline.ts). Pure (no DOM).
import { OP_B } from '../../src/core/types';
import { COLL_BROADCAST, COLL_C0, COLL_C1, COLLECTIVE_KINDS, OP_S, OP_T } from '../../src/protocol/opKinds';
import { formatMs } from '../format';
import type { TimelineOps } from './layout';

export type VocabAlgorithm = 1 | 2;

const ms = (x: number): string => formatMs(x, 0.001);

/** Index of the collective of `kind` for microbatch `mb`, or -1. */
function findCollective(t: TimelineOps, kind: number, mb: number): number {
  const k = t.collKind;
  if (!k || !t.collMicrobatch) return -1;
  for (let i = 0; i < k.length; i++) if (k[i] === kind && t.collMicrobatch[i] === mb) return i;
  return -1;
}

/** "C0 all-reduce of microbatch 3 (12.345 → 12.400 ms)", or '' when the run has no such collective. */
function named(t: TimelineOps, kind: number, mb: number): string {
  const i = findCollective(t, kind, mb);
  if (i < 0 || !t.collStart || !t.collEnd) return '';
  return `${COLLECTIVE_KINDS[kind]!.name} of microbatch ${mb} (${ms(t.collStart[i]!)} → ${ms(t.collEnd[i]!)})`;
}

/** What an op of the run waits for beyond its own rank, one line each (empty for ops fed only by p2p). */
export function vocabOpLines(
  t: TimelineOps,
  kind: number,
  stage: number,
  mb: number,
  algorithm: VocabAlgorithm,
): string[] {
  const lines: string[] = [];
  const add = (prefix: string, text: string): void => {
    if (text) lines.push(`${prefix}${text}`);
  };
  if (kind === OP_S) {
    add('input: the last stage’s output, ', named(t, COLL_BROADCAST, mb));
    add('then: ', named(t, COLL_C0, mb));
  } else if (kind === OP_T) {
    // Algorithm 2 reduces the statistics in C0 and T starts from them; Algorithm 1's last stage turns C0 into the
    // loss gradient and broadcasts it with the next input (schedules: vocab_parallel_schedule.py, the fork's two paths).
    if (algorithm === 2) add('after: ', named(t, COLL_C0, mb));
    else add('after: the loss gradient, ', named(t, COLL_BROADCAST, mb + 1));
    if (algorithm === 1) add('then: ', named(t, COLL_C1, mb));
  } else if (kind === OP_B && stage === t.stages - 1) {
    add('input gradient from the output layer: ', named(t, algorithm === 2 ? COLL_C0 : COLL_C1, mb));
  }
  return lines;
}

/**
 * The tooltip of collective i: what it is, when, what it carries, what it waits for and what waits for it; m is the
 * run's microbatch count (Algorithm 1's broadcast number m carries the last loss gradient alone).
 */
export function collectiveLines(t: TimelineOps, i: number, algorithm: VocabAlgorithm, m: number): string[] {
  const kind = t.collKind?.[i];
  const mb = t.collMicrobatch?.[i];
  const s = t.collStart?.[i];
  const e = t.collEnd?.[i];
  if (kind === undefined || mb === undefined || s === undefined || e === undefined) return [];
  const row = COLLECTIVE_KINDS[kind];
  if (!row) return [];
  const last = t.stages - 1;
  const lines = [
    `${row.name} · microbatch ${mb} · all ${t.stages} ranks`,
    `start ${ms(s)} · end ${ms(e)} · ${formatMs(e - s, Math.max(1e-3, e - s) / 100)}`,
  ];
  if (kind === COLL_BROADCAST) lines.push(...broadcastLines(row.what, mb, m, last, algorithm));
  else if (kind === COLL_C0) {
    lines.push(
      `carries ${row.what}${algorithm === 2 ? ' and the input gradient’s shares' : ''}, after every rank’s S of microbatch ${mb}`,
    );
    lines.push(
      algorithm === 2
        ? `releases: T of microbatch ${mb} on every rank, B of microbatch ${mb} on stage ${last}`
        : `releases: the broadcast of microbatch ${mb}’s loss gradient${mb + 1 < m ? ` (with microbatch ${mb + 1}’s input)` : ''}`,
    );
  } else if (kind === COLL_C1) {
    const fused = mb + 1 < m ? ` and the S of microbatch ${mb + 1} fused with it` : '';
    lines.push(`carries ${row.what}, after every rank’s T of microbatch ${mb}${fused}`);
    lines.push(`releases: B of microbatch ${mb} on stage ${last}`);
  }
  return lines;
}

/** Algorithm 2 broadcasts microbatch i's input alone; Algorithm 1 adds the loss gradient of i − 1 (i = m: only it). */
function broadcastLines(what: string, mb: number, m: number, last: number, algorithm: VocabAlgorithm): string[] {
  if (algorithm === 2)
    return [`carries ${what}, after F of microbatch ${mb} on stage ${last}`, `releases: S of microbatch ${mb}`];
  const input = mb < m;
  const grad = mb > 0;
  const carries = [input ? what : '', grad ? `the loss gradient of microbatch ${mb - 1}` : ''].filter(Boolean);
  const after = [
    input ? `F of microbatch ${mb} on stage ${last}` : '',
    grad ? `the C0 all-reduce of microbatch ${mb - 1}` : '',
  ].filter(Boolean);
  const releases = [input ? `S of microbatch ${mb}` : '', grad ? `T of microbatch ${mb - 1}` : ''].filter(Boolean);
  return [
    `carries ${carries.join(' and ')}, after ${after.join(' and ')}`,
    `releases: ${releases.join(' and ')} on every rank`,
  ];
}
