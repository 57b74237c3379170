// Which Megatron reads a launch file (dialects) and what the launched script does (script kinds): part of the
// types the reader hands to the rest of the core, re-exported by types.ts.
import type { SourceRange } from './types';

// ─── Dialects: which Megatron reads the file (issue 12) ─────────────────────────────────────────

/**
 * The Megatron code bases a launch file can be written for. `nemo` is NeMo 1.x Hydra YAML; `nemo-2` and
 * `megatron-bridge` are recognised recipe YAML whose keys are only partly read (DialectRead.note says which).
 * Older Megatron-LM releases are `megatron-lm` with a version, not a dialect of their own.
 */
export const DIALECT_IDS = [
  'megatron-lm',
  'nemo',
  'nemo-2',
  'megatron-bridge',
  'megatron-deepspeed',
  'mindspeed-llm',
  'pai-megatron-patch',
  'slime',
  'seq1f1b',
  'zero-bubble',
  'vocab-parallel', // E (issue 18): sail-sg/VocabularyParallelism
  'unknown',
] as const;
export type DialectId = (typeof DIALECT_IDS)[number];

/** One piece of evidence for a dialect: what was seen, where, and how much it counts. */
export interface DialectEvidence {
  dialect: DialectId;
  /** What was seen, for people: `flag --deepspeed`, `entry script Megatron-DeepSpeed/pretrain_gpt.py`. */
  what: string;
  /** Where it was seen; null for the `scheduleInspector.dialect` setting (or `--dialect`), which has no place. */
  range: SourceRange | null;
  /**
   * 1 = a hint (a mention, a shared entry name), 2 = strong, 3 = decisive (only that code base has it);
   * 10 = an override (the directive or the setting), which outweighs everything found in the file.
   */
  weight: number;
}

export interface DialectRead {
  id: DialectId;
  /** Detected from the evidence, or set by a comment directive in the file, or by the setting / `--dialect`. */
  source: 'detected' | 'directive' | 'setting';
  /** Everything found, in the order collected (an override first). */
  evidence: DialectEvidence[];
  /** Index in `evidence` of the piece that decided; null when nothing pointed anywhere or it was a tie. */
  decidedBy: number | null;
  /** Release or variant when the evidence says (Pai's pinned Megatron-LM backend, BigScience's Megatron-DeepSpeed). */
  version?: string;
  /** What of the file is read under this dialect, when not all of it (recipe YAML), or why it is `unknown`. */
  note?: string;
  /** Where the dialect hover goes: the entry script word (bash) or the first key (YAML). */
  anchor: SourceRange | null;
}

// ─── Script kinds: what the launch runs (issue 12 §2) ─────────────────────────────────────────────

/**
 * What the launched entry script does. Only `training` gets a simulated schedule, the memory verdict and the checks
 * of the training step (pipeline schedule, fp8 parameter gathering); inference and evaluation go through Megatron's
 * parser and initialize_megatron, so its argument, batch and model checks hold; a converter is checked only for the
 * model it describes; `other` (data preprocessing) for none (see KINDS_BY_CODE in megatron/rules/index.ts).
 */
export type ScriptKind = 'training' | 'inference' | 'evaluation' | 'conversion' | 'other';

export interface ScriptKindEvidence {
  kind: ScriptKind;
  /** What was seen: `entry script tools/run_text_generation_server.py`, `flag --load-dir`, `file name generate_x.sh`. */
  what: string;
  /** Where it was seen; null for the file name, which is not in the text. */
  range: SourceRange | null;
  /** 1 = a hint (the file name), 2 = strong (a flag only that kind of script takes), 3 = decisive (the entry script). */
  weight: number;
}

export interface ScriptKindRead {
  id: ScriptKind;
  /** Everything found, in the order collected. */
  evidence: ScriptKindEvidence[];
  /** Index in `evidence` of the piece that decided; null when nothing was found and training is assumed. */
  decidedBy: number | null;
}
