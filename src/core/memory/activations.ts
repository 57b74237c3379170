// Activation memory: bytes a layer keeps for backward (megatron.md §3.2, "generalised per-layer count"), turned into
// bytes per scheduling unit (microbatch × sequence chunk × model chunk), then walked over the simulated op order of
// each stage to get memory over time (megatron.md §3.3, seq1f1b.md §3.2–3.3).
import { OP_B, OP_F, OP_W, type SimResult } from '../types';
import type { VirtualStage } from '../model/layout';
import type { ModelShape } from '../model/shape';

export interface LayerBytesOptions {
  /** Apply selective recompute (drop what --recompute-modules recomputes). */
  selective: boolean;
}

/**
 * Bytes one decoder layer saves for backward, for `queryTokens` local tokens (already divided by CP, times the
 * micro-batch size) attending to `keyTokens` key positions (the whole prefix; with CP the full key length).
 * Korthikanti's accounting with GQA, GLU, MoE, flash vs. materialised scores, and dropout masks only when dropout > 0.
 */
export function layerActivationBytes(
  shape: ModelShape,
  moe: boolean,
  queryTokens: number,
  keyTokens: number,
  options: LayerBytesOptions,
): number {
  const t = shape.tp;
  const h = shape.hidden;
  // Without SP the norm inputs, QKV input, fc1 input and dropout masks are replicated on every TP rank.
  const rep = shape.sequenceParallel ? 1 / t : 1;
  const hq = shape.heads * shape.headDim;
  const hkvLocal = kvWidthPerRank(shape);
  const headsLocal = shape.heads / t;
  const hiddenMask = shape.hiddenDropout > 0 ? 1 : 0;
  const modules = new Set(options.selective ? shape.recomputeModules : []);

  let perToken = 4 * h * rep; // the two norm inputs
  // Attention: QKV input (norm output), Q, K, V, output-projection input, hidden-dropout mask.
  perToken +=
    (modules.has('layernorm') ? 0 : 2 * h * rep) + (2 * hq) / t + 4 * hkvLocal + (2 * hq) / t + hiddenMask * h * rep;
  if (shape.legacyFlashPath && !modules.has('core_attn')) perToken += (2 * hq) / t; // flash output kept besides its copy
  let scoreBytes = 0;
  // Recomputing core attention keeps only its inputs (Q, K, V, counted above): no scores, no log-sum-exp.
  if (!modules.has('core_attn')) {
    if (shape.flashAttention)
      perToken += 4 * headsLocal; // fp32 log-sum-exp
    else scoreBytes = headsLocal * queryTokens * keyTokens * (2 + (shape.attentionDropout > 0 ? 3 : 0));
  }
  // MLP input (norm output) and its dropout mask.
  perToken += (modules.has('layernorm') ? 0 : 2 * h * rep) + hiddenMask * h * rep;
  const gluWidth = shape.glu ? 2 : 1;
  if (!moe) {
    if (!modules.has('mlp')) perToken += (2 * shape.ffn * gluWidth) / t + (2 * shape.ffn) / t;
  } else if (!modules.has('moe')) {
    // Dropless top-k routing, perfectly balanced: the TP group's tokens, k copies each, are spread over its ranks
    // as etp/t of them per rank (with expert-TP = t every rank sees all of them and computes F_e/t of the width;
    // with expert-TP = 1 each takes 1/t of the tokens at full width). EP moves copies but not their count.
    const fe = shape.moeFfn / shape.etp;
    const routedPerCopy = 2 * h + 2 * fe * gluWidth + (modules.has('moe_act') ? 0 : 2 * fe);
    perToken += ((shape.topk * shape.etp) / t) * routedPerCopy + 4 * shape.numExperts * rep; // + fp32 router logits
    if (shape.sharedExpertFfn > 0 && !modules.has('shared_experts'))
      perToken += (2 * shape.sharedExpertFfn * gluWidth) / t + (2 * shape.sharedExpertFfn) / t;
  }
  return perToken * queryTokens + scoreBytes;
}

/** Width (elements) of K or V per TP rank for one token: g·d/t, one whole group when g < t, all heads on the legacy flash path. */
function kvWidthPerRank(shape: ModelShape): number {
  const t = shape.tp;
  if (shape.legacyFlashPath) return (shape.heads / t) * shape.headDim;
  return (shape.kvHeads / Math.min(t, shape.kvHeads)) * shape.headDim;
}

/** Bytes a fully recomputed layer keeps: its input, scattered over TP under SP or --distribute-saved-activations. */
export function checkpointedLayerBytes(shape: ModelShape, queryTokens: number): number {
  const split = shape.sequenceParallel || shape.distributeSavedActivations ? shape.tp : 1;
  return (2 * shape.hidden * queryTokens) / split;
}

/** Per-unit byte tables, indexed [virtualStage][chunk]. */
export interface UnitTables {
  p: number;
  v: number;
  k: number;
  /** Chunk lengths in tokens (sum = seq length). */
  chunkTokens: number[];
  /** Stored activations of the decoder layers (+ token ids / embedding mask on the first virtual stage). */
  activations: Float64Array[];
  /** Last virtual stage: fp32 softmax of the logits, output-layer/final-norm inputs, labels and loss mask. */
  logits: Float64Array[];
  /** Held only while the unit's F runs: bf16 logits before the fp32 cast (last virtual stage). */
  forwardTransient: Float64Array[];
  /** Held only while the unit's B runs: layers recomputed by full recompute. */
  backwardTransient: Float64Array[];
  /** Seq1F1B: K/V this chunk appends to its microbatch's prefix cache (0 when k = 1). */
  kvAppend: Float64Array[];
  /** Seq1F1B: the prefix-sized dK/dV accumulator held from a microbatch's first to its last backward. */
  dkdvBytes: Float64Array;
}

export function buildUnitTables(shape: ModelShape, stages: VirtualStage[], chunkTokens: number[]): UnitTables {
  const p = shape.pp;
  const v = Math.max(1, Math.round(stages.length / p));
  const k = chunkTokens.length;
  const b = shape.microBatch;
  const cp = shape.cp;
  const t = shape.tp;
  const rep = shape.sequenceParallel ? 1 / t : 1;
  const seq = chunkTokens.reduce((x, y) => x + y, 0);
  const kvPerTokenPerLayer = 4 * kvWidthPerRank(shape);
  const mk = (): Float64Array[] => stages.map(() => new Float64Array(k));
  const tables: UnitTables = {
    p,
    v,
    k,
    chunkTokens: [...chunkTokens],
    activations: mk(),
    logits: mk(),
    forwardTransient: mk(),
    backwardTransient: mk(),
    kvAppend: mk(),
    dkdvBytes: new Float64Array(stages.length),
  };
  const selective = shape.recompute === 'selective';
  let prefix = 0;
  // `!` reads below: j < k = chunkTokens.length and vs < stages.length, the lengths every table row was built with.
  for (let j = 0; j < k; j++) {
    const tokens = chunkTokens[j]!;
    prefix += tokens;
    const q = (tokens * b) / cp; // local query tokens of this unit
    const dense = layerActivationBytes(shape, false, q, prefix, { selective });
    const moe = layerActivationBytes(shape, true, q, prefix, { selective });
    for (let vs = 0; vs < stages.length; vs++) {
      const st = stages[vs]!;
      const nDense = st.numLayers - st.numMoeLayers;
      const nMoe = st.numMoeLayers;
      let stored: number;
      let transientB = 0;
      if (shape.recompute === 'full' && st.numLayers > 0) {
        const n = Math.max(1, shape.recomputeNumLayers);
        const ckpt = checkpointedLayerBytes(shape, q);
        const worstLayer = nMoe > 0 ? Math.max(moe, nDense > 0 ? dense : 0) : dense;
        if (shape.recomputeMethod === 'block') {
          // The first n layers of the chunk keep only their input; the rest keep everything.
          const ck = Math.min(n, st.numLayers);
          const ckMoe = countMoe(shape, st.firstLayer, ck);
          const restMoe = nMoe - ckMoe;
          const restDense = st.numLayers - ck - restMoe;
          stored = ck * ckpt + restDense * dense + restMoe * moe;
          transientB = ck > 0 ? worstLayer : 0; // one layer is recomputed at a time
        } else {
          // uniform (and the default when the method is unknown): one checkpoint per n-layer group.
          stored = Math.ceil(st.numLayers / n) * ckpt;
          transientB = Math.min(n, st.numLayers) * worstLayer;
        }
      } else {
        stored = nDense * dense + nMoe * moe;
      }
      if (st.hasEmbedding) {
        // int64 token ids (every TP rank holds them) + the embedding dropout mask. The embedding output itself is
        // the first layer's input and is counted there.
        stored += 8 * q + (shape.hiddenDropout > 0 ? shape.hidden * q * rep : 0);
      }
      tables.activations[vs]![j] = stored;
      tables.backwardTransient[vs]![j] = transientB;
      if (st.hasLoss) {
        // Kept for backward: fp32 softmax of the vocab-parallel cross-entropy (Vp/t wide), the final-norm input and
        // the output-layer input (bf16), int64 labels and an fp32 loss mask.
        tables.logits[vs]![j] = (4 * q * shape.vocabPadded) / t + 2 * 2 * shape.hidden * q * rep + 12 * q;
        // The bf16 logits exist only until the fp32 cast inside the loss of this forward.
        tables.forwardTransient[vs]![j] = (2 * q * shape.vocabPadded) / t;
      }
      if (k > 1) {
        tables.kvAppend[vs]![j] = st.numLayers * kvPerTokenPerLayer * q;
        if (j === 0) tables.dkdvBytes[vs] = st.numLayers * kvPerTokenPerLayer * ((seq * b) / cp);
      }
    }
  }
  return tables;
}

function countMoe(shape: ModelShape, first: number, n: number): number {
  let c = 0;
  // The first n built layers from slot `first`: MindSpeed's no-op slots are skipped (they build no layer).
  for (let i = first, built = 0; built < n && i < shape.numLayers; i++) {
    if (shape.noopLayers[i] === true) continue;
    built++;
    if (shape.moeLayers[i]) c++;
  }
  return c;
}

// ─── Liveness over the simulated timeline ───────────────────────────────────────────────────────

export interface DynamicBreakdown {
  activations: number;
  kvCache: number;
  logits: number;
}

export interface StageTrace {
  stage: number;
  /** Highest dynamic + static bytes, its time and what made it up. */
  peakBytes: number;
  peakTime: number;
  peak: DynamicBreakdown;
  /** Most units live at once (for cross-checks with SimResult.peakUnits). */
  peakLiveUnits: number;
  series: { timeMs: Float64Array; bytes: Float64Array };
}

/**
 * Walks every stage's ops in execution order. A unit's activations are allocated when its F starts and freed when
 * its last backward op ends (B, or W when the timeline has W ops). Seq1F1B's K/V prefix cache of a microbatch grows
 * with each forwarded chunk and is freed when that microbatch's chunk-0 B ends, together with the dK/dV accumulator
 * allocated at its first B. `staticBytes[r]` is added to every point of the series.
 */
export function walkLiveness(
  sim: SimResult,
  tables: UnitTables,
  staticBytes: number[],
  maxSeriesPoints = MAX_SERIES_POINTS,
): StageTrace[] {
  let hasW = false;
  for (let i = 0; i < sim.opCount; i++)
    if (sim.kind[i] === OP_W) {
      hasW = true;
      break;
    }
  const traces: StageTrace[] = [];
  for (let r = 0; r < sim.spec.stages; r++)
    traces.push(walkStage(sim, tables, r, staticBytes[r] ?? 0, hasW, maxSeriesPoints));
  return traces;
}

/**
 * The walk of one stage's ops (the hot loop of the memory model): stages share no live units, so each is walked on
 * its own. `hasW`: units are freed when their W ends instead of their B.
 */
function walkStage(
  sim: SimResult,
  tables: UnitTables,
  r: number,
  base: number,
  hasW: boolean,
  maxSeriesPoints: number,
): StageTrace {
  const p = sim.spec.stages;
  const { k, v } = tables;
  // `!` reads below: op indices lie inside stageOffsets (p + 1 entries, ≤ opCount); j < k and vs < p·v index the unit
  // tables built for this timeline's k and v (buildUnitTables).
  const from = sim.stageOffsets[r]!;
  const to = sim.stageOffsets[r + 1]!;
  const times: number[] = [0];
  const values: number[] = [base];
  let act = 0;
  let kv = 0;
  let logits = 0;
  let live = 0;
  let peakLive = 0;
  let peakBytes = base;
  let peakTime = 0;
  let peak: DynamicBreakdown = { activations: 0, kvCache: 0, logits: 0 };
  const liveUnits = new Map<number, { act: number; logits: number }>();
  const cache = new Map<number, number>(); // key microbatch·v + modelChunk → K/V + dK/dV bytes held
  const record = (time: number): void => {
    const total = base + act + kv + logits;
    if (total > peakBytes) {
      peakBytes = total;
      peakTime = time;
      peak = { activations: act, kvCache: kv, logits };
    }
    if (time === times[times.length - 1]) values[values.length - 1] = total;
    else {
      times.push(time);
      values.push(total);
    }
  };
  for (let i = from; i < to; i++) {
    const kind = sim.kind[i]!;
    const mb = sim.microbatch[i]!;
    const j = Math.min(sim.chunk[i]!, k - 1);
    const mc = Math.min(sim.modelChunk[i]!, v - 1);
    const vs = mc * p + r;
    const unitKey = (mb * k + j) * v + mc;
    const cacheKey = mb * v + mc;
    if (kind === OP_F) {
      const unit = { act: tables.activations[vs]![j]!, logits: tables.logits[vs]![j]! };
      if (!liveUnits.has(unitKey)) {
        liveUnits.set(unitKey, unit);
        act += unit.act;
        logits += unit.logits;
        live++;
        peakLive = Math.max(peakLive, live);
      }
      const append = tables.kvAppend[vs]![j]!;
      if (append > 0) {
        cache.set(cacheKey, (cache.get(cacheKey) ?? 0) + append);
        kv += append;
      }
      const transient = tables.forwardTransient[vs]![j]!;
      logits += transient;
      record(sim.start[i]!);
      logits -= transient;
      record(sim.end[i]!);
    } else if (kind === OP_B) {
      if (k > 1 && j === k - 1 && cache.has(cacheKey)) {
        const dkdv = tables.dkdvBytes[vs]!;
        cache.set(cacheKey, (cache.get(cacheKey) ?? 0) + dkdv);
        kv += dkdv;
      }
      const transient = tables.backwardTransient[vs]![j]!;
      act += transient;
      record(sim.start[i]!);
      act -= transient;
      const held = j === 0 ? cache.get(cacheKey) : undefined;
      if (held !== undefined) {
        kv -= held;
        cache.delete(cacheKey);
      }
      if (!hasW) free(unitKey);
      record(sim.end[i]!);
    } else if (kind === OP_W) {
      record(sim.start[i]!);
      free(unitKey);
      record(sim.end[i]!);
    }
  }
  const series = envelope(times, values, maxSeriesPoints);
  return { stage: r, peakBytes, peakTime, peak, peakLiveUnits: peakLive, series };

  function free(key: number): void {
    const unit = liveUnits.get(key);
    if (!unit) return;
    liveUnits.delete(key);
    act -= unit.act;
    logits -= unit.logits;
    live--;
  }
}

/** More points than a chart of a few thousand pixels can show; longer series are reduced to their upper envelope. */
const MAX_SERIES_POINTS = 8192;

/**
 * Keeps a step series drawable: above `maxPoints`, consecutive steps are merged into buckets that start at the first
 * step's time and hold the bucket's highest value, so no peak disappears (the chart may only look slightly fuller).
 */
export function envelope(
  times: number[],
  values: number[],
  maxPoints: number,
): { timeMs: Float64Array; bytes: Float64Array } {
  const n = times.length;
  if (n <= maxPoints) return { timeMs: Float64Array.from(times), bytes: Float64Array.from(values) };
  const buckets = Math.max(2, maxPoints - 1);
  const per = Math.ceil((n - 1) / buckets);
  const outTimes: number[] = [];
  const outValues: number[] = [];
  // The last point (back to static memory) is kept as it is, so the chart ends where the timeline does.
  // `!` reads: every index is < n = times.length = values.length.
  for (let i = 0; i < n - 1; i += per) {
    let top = values[i]!;
    for (let j = i + 1; j < Math.min(i + per, n - 1); j++) if (values[j]! > top) top = values[j]!;
    outTimes.push(times[i]!);
    outValues.push(top);
  }
  outTimes.push(times[n - 1]!);
  outValues.push(values[n - 1]!);
  return { timeMs: Float64Array.from(outTimes), bytes: Float64Array.from(outValues) };
}
