// Reserved memory the caching allocator cannot reuse under Seq1F1B (issue 13): a replay of one stage's allocations
// and frees, in the simulated op order, through the allocator model (allocator.ts).
//
// Why Seq1F1B and not 1F1B: under 1F1B every microbatch allocates the same sizes, so a freed block fits the next
// request exactly and the replay's reserved peak is its allocated peak (≤ 0.3 GiB apart on the published runs,
// test/unit/core/memory/fragmentation.test.ts). Seq1F1B cuts the sequence into chunks of different lengths (the
// FLOP-balanced causal split makes chunk 0 the longest) and each layer's K/V prefix cache grows chunk by chunk through
// a new torch.cat tensor (thunlp/Seq1F1B 6893466 megatron/model/transformer.py:54-63), its dK/dV accumulator shrinks
// chunk by chunk in backward (:102-153): blocks freed by one size are too small or too large for the next, and the
// allocator splits and cudaMallocs around them. The replay's reserved − allocated is that extra.
//
// What is replayed: the tensors the activation model keeps (activations.ts; the replay's saved bytes per layer equal
// layerActivationBytes), in the order a layer makes them, the prefix cache and the dK/dV pair at the sizes the fork's
// code gives them, and the gradient handed from layer to layer. Short-lived temporaries inside a layer (its QKV output
// before the copies, row-parallel outputs before the reduce-scatter, the gradients inside a backward) are left out:
// adding them moves the replay's extra by at most ~1 GiB on the published runs (stated in the test), and the 7 %
// allocator term (overheads.ts) already stands for what they cost under 1F1B.
//
// Work is bounded: one stage (the heaviest, which decides the verdict), at most MAX_ALLOCATOR_CALLS mallocs (the
// first microbatches of a longer run: segments are only ever added, so their reserved − allocated is what the run
// shows up to there), stopped early at a simulated out-of-memory or once p microbatches in a row move neither peak,
// cached per unit tables and timeline shape, and across analyses per program and byte plans (`recent`). Callers skip
// it where only allocated memory or a fit already lost is read (stageMemory.ts MemorySettings.replayWhen).
import { placementTables } from '../schedule/placement';
import { OP_B, OP_F, type SimResult } from '../types';
import { CachingAllocator } from './allocator';
import { layerActivationBytes, type UnitTables } from './activations';
import type { VirtualStage } from '../model/layout';
import type { ModelShape } from '../model/shape';

/**
 * Mallocs one replay may make (~2.5 ms of CPU on a loaded machine): the published 2.7B runs' stage 0 makes 5,121 in
 * all 16 microbatches (this takes 80 % of them: 53.65 GiB either way), the 30B runs' 10,113 (this takes the first
 * 40 %: 52.5 instead of 53.8 GiB at 48k). A cut replay gives the extra of the shorter run it replays.
 */
export const MAX_ALLOCATOR_CALLS = 4_096;

/** Layers of one stage the replay takes (a key stride); a stage with more is not replayed. */
const MAX_LAYERS = 1024;

/**
 * The tensors one dense decoder layer keeps for backward, in the order its forward makes them (bytes): the QKV
 * input (norm output), Q and its two rotary tables, K and its two, V, core attention's output (+ the FP8 copy and the
 * legacy b > 1 copy) and its log-sum-exp or scores, the hidden-dropout mask, the residual sum (second norm input),
 * the MLP input, fc1's output, fc2's input, the second mask, and last the layer's output (the next layer's input).
 * The same terms as layerActivationBytes, itemised; whatever they do not itemise goes to fc1's output, so the sum is
 * exactly the layer's bytes.
 */
export function layerTensorBytes(shape: ModelShape, queryTokens: number, keyTokens: number): number[] {
  const q = queryTokens;
  const t = shape.tp;
  const h = shape.hidden;
  const rep = shape.sequenceParallel ? 1 / t : 1;
  const hq = shape.heads * shape.headDim;
  const hkv = shape.legacyFlashPath ? hq / t : (shape.kvHeads / Math.min(t, shape.kvHeads)) * shape.headDim;
  const lin = shape.storage.lowPrecision?.format === 'fp8' ? 1 : 2;
  const mask = shape.hiddenDropout > 0 ? h * rep * q : 0;
  const table = shape.ropeTablesPerLayer ? (2 * shape.rotaryDim * q) / shape.microBatch : 0;
  const scores = shape.flashAttention
    ? (4 * shape.heads * q) / t
    : (shape.heads / t) * q * keyTokens * (2 + (shape.attentionDropout > 0 ? 3 : 0));
  const out = ((2 + (lin < 2 ? lin : 0) + (shape.legacyFlashPath && shape.microBatch > 1 ? 2 : 0)) * hq * q) / t;
  const glu = shape.glu ? 2 : 1;
  const tensors = [
    lin * h * rep * q,
    (2 * hq * q) / t,
    table,
    table,
    2 * hkv * q,
    table,
    table,
    2 * hkv * q,
    out,
    scores,
    mask,
    2 * h * rep * q,
    lin * h * rep * q,
    (2 * shape.ffn * glu * q) / t,
    (lin * shape.ffn * q) / t,
    mask,
    2 * h * rep * q,
  ];
  const rest = layerActivationBytes(shape, false, q, keyTokens, { selective: false }) - tensors.reduce((a, b) => a + b);
  tensors[13] = tensors[13]! + rest;
  return tensors;
}

/** Whether the replay knows the layers: dense ones without recompute, offload, MLA or MTP, and no split backward. */
export function replayable(shape: ModelShape, stages: readonly VirtualStage[], sim: SimResult): boolean {
  return (
    sim.spec.splits > 1 &&
    (sim.spec.schedule === 'seq1f1b' || sim.spec.schedule === 'seq1f1b-interleaved') &&
    shape.recompute === null &&
    shape.mla === null &&
    shape.mtpLayers === 0 &&
    shape.cpuOffloadLayers === 0 &&
    stages.every((s) => s.numMoeLayers === 0 && s.numLayers < MAX_LAYERS)
  );
}

/** Per unit of a virtual stage: its input, its layers' tensors, what the loss keeps; sizes in bytes. */
interface UnitPlan {
  input: number;
  layers: number;
  layer: number[];
  /** Last virtual stage: the bf16 logits (freed when the fp32 softmax exists) and the loss's kept tensors. */
  logitsTransient: number;
  loss: number[];
  /** Seq1F1B: bytes of one K (or V) prefix after this chunk, and of one dK (or dV) in this chunk's backward. */
  prefixBytes: number;
}

/** Plans of the virtual stages `wanted` (a rank's); the other stages' are empty. */
function unitPlans(
  shape: ModelShape,
  stages: readonly VirtualStage[],
  chunkTokens: readonly number[],
  wanted: readonly number[],
): UnitPlan[][] {
  const t = shape.tp;
  const rep = shape.sequenceParallel ? 1 / t : 1;
  const h = shape.hidden;
  const kvWidth = shape.legacyFlashPath
    ? (shape.heads / t) * shape.headDim
    : (shape.kvHeads / Math.min(t, shape.kvHeads)) * shape.headDim;
  const tokenScale = shape.microBatch / shape.cp;
  return stages.map((st, s) => {
    if (!wanted.includes(s)) return [];
    let prefix = 0;
    return chunkTokens.map((tokens) => {
      prefix += tokens;
      const q = tokens * tokenScale;
      // The first stage's input is the embedding output (the whole sequence when the scatter's view keeps it,
      // activations.ts), with the int64 token ids and the embedding's dropout mask beside it.
      const input = st.hasEmbedding
        ? 2 * h * q * (shape.embeddingKeepsFullSequence ? 1 : rep) + 8 * q + (shape.hiddenDropout > 0 ? h * rep * q : 0)
        : 2 * h * q * rep;
      const loss = st.hasLoss ? [(4 * q * shape.vocabPadded) / t, 2 * h * q * rep, 2 * h * q * rep, 12 * q] : [];
      return {
        input,
        layers: st.numLayers,
        layer: layerTensorBytes(shape, q, prefix),
        logitsTransient: st.hasLoss ? (2 * q * shape.vocabPadded) / t : 0,
        loss,
        prefixBytes: 2 * kvWidth * prefix * tokenScale,
      };
    });
  });
}

/**
 * The one allocator model every replay runs on, reset first (CachingAllocator.reset: as new, without new arrays).
 * A replay runs to its end before the next starts, and no result refers to it. It keeps the arrays the largest replay
 * grew (26 bytes a block, at most two blocks per malloc: MAX_ALLOCATOR_CALLS and the last op's mallocs).
 */
const scratchAllocator = new CachingAllocator();

/** Index of V in layerTensorBytes: the prefix cache is made right after it, inside core attention. */
const V_TENSOR = 7;

/**
 * One stage's allocations through the allocator model. A unit's blocks are kept in one Int32Array from its F to its
 * B: [input, then per layer its tensors (the last one, the layer's output, is the next layer's input), then the
 * loss's]; −1 stands for a tensor of no bytes.
 */
class StageReplay {
  readonly alloc: CachingAllocator;
  private readonly held = new Map<number, Int32Array>();
  /** Per (microbatch, model chunk): each layer's K and V prefix tensors [2l, 2l+1]; then its dK and dV. */
  private readonly caches = new Map<number, Int32Array>();
  private readonly grads = new Map<number, Int32Array>();

  constructor(capacityBytes: number) {
    this.alloc = scratchAllocator;
    scratchAllocator.reset(capacityBytes);
  }

  malloc(bytes: number): number {
    return bytes > 0 ? this.alloc.malloc(bytes) : -1;
  }

  free(id: number): void {
    if (id >= 0) this.alloc.free(id);
  }

  // `!` reads below: block positions follow the unit's plan; l < layers indexes the 2·layers cache arrays.
  forward(plan: UnitPlan, j: number, unitKey: number, seqKey: number): void {
    const per = plan.layer.length;
    const layers = plan.layers;
    const blocks = new Int32Array(1 + layers * per + plan.loss.length);
    blocks[0] = this.malloc(plan.input);
    let cache = this.caches.get(seqKey);
    if (j > 0 && !cache) this.caches.set(seqKey, (cache = new Int32Array(2 * layers).fill(-1)));
    for (let l = 0; l < layers; l++) {
      const at = 1 + l * per;
      for (let n = 0; n < per; n++) {
        blocks[at + n] = this.malloc(plan.layer[n]!);
        // From chunk 1 on, core attention's torch.cat makes a new K and V prefix and the previous one is freed
        // (transformer.py:54-63); chunk 0's cache is its own K and V, kept anyway.
        if (n === V_TENSOR && cache) {
          const oldK = cache[2 * l]!;
          const oldV = cache[2 * l + 1]!;
          cache[2 * l] = this.malloc(plan.prefixBytes);
          cache[2 * l + 1] = this.malloc(plan.prefixBytes);
          this.free(oldK);
          this.free(oldV);
        }
      }
    }
    // The stage's last output goes on (to the next stage, or into the final norm, whose kept input the loss counts)
    // and is freed here: schedules.py deallocate_output_tensor after the send.
    const last = layers * per;
    if (layers > 0) {
      this.free(blocks[last]!);
      blocks[last] = -1;
    }
    if (plan.loss.length > 0) {
      const logits = this.malloc(plan.logitsTransient);
      for (let n = 0; n < plan.loss.length; n++) blocks[1 + last + n] = this.malloc(plan.loss[n]!);
      this.free(logits);
    }
    this.held.set(unitKey, blocks);
  }

  backward(plan: UnitPlan, j: number, k: number, unitKey: number, seqKey: number): void {
    const blocks = this.held.get(unitKey);
    if (!blocks) return;
    this.held.delete(unitKey);
    const per = plan.layer.length;
    const layers = plan.layers;
    for (let n = blocks.length - 1; n > layers * per; n--) this.free(blocks[n]!);
    const cache = this.caches.get(seqKey);
    let acc = this.grads.get(seqKey);
    if (k > 1 && !acc) this.grads.set(seqKey, (acc = new Int32Array(2 * layers).fill(-1)));
    // Each layer, last to first, frees what it kept and its input, and hands the layer below a gradient of that
    // input's size.
    const gradBytes = plan.layer[per - 1]!;
    let grad = this.malloc(gradBytes);
    for (let l = layers - 1; l >= 0; l--) {
      const at = 1 + l * per;
      // The MLP's tensors and core attention's output go first (backward runs the layer in reverse), then core
      // attention's backward makes dK and dV of the whole prefix this chunk attended to (transformer.py:117); the
      // previous chunk's pair is freed once added in (:136-141). Chunk 0's backward is the microbatch's last: its
      // pair and the prefix cache go with it.
      for (let n = at + per - 2; n > at + V_TENSOR; n--) this.free(blocks[n]!);
      if (acc) {
        const dK = this.malloc(plan.prefixBytes);
        const dV = this.malloc(plan.prefixBytes);
        this.free(acc[2 * l]!);
        this.free(acc[2 * l + 1]!);
        acc[2 * l] = dK;
        acc[2 * l + 1] = dV;
        if (j === 0) {
          this.free(dK);
          this.free(dV);
          acc[2 * l] = acc[2 * l + 1] = -1;
          if (cache) this.free(cache[2 * l]!);
          if (cache) this.free(cache[2 * l + 1]!);
        }
      }
      for (let n = at + Math.min(V_TENSOR, per - 2); n >= at; n--) this.free(blocks[n]!);
      // Its input: the layer below's output, or the stage's input.
      this.free(blocks[l > 0 ? at - 1 : 0]!);
      const below = this.malloc(gradBytes);
      this.free(grad);
      grad = below;
    }
    if (layers === 0) this.free(blocks[0]!);
    this.free(grad);
    if (j === 0) {
      this.caches.delete(seqKey);
      this.grads.delete(seqKey);
    }
  }
}

/**
 * Reserved − allocated after replaying rank `r`'s ops (bytes): what the allocator holds beyond its allocated peak.
 * `staticBytes` (weights, gradients, optimizer state) are allocated first and never freed.
 */
function replayStage(
  plans: readonly (readonly UnitPlan[])[],
  sim: SimResult,
  r: number,
  staticBytes: number,
  capacityBytes: number,
): number {
  const { stageOf } = placementTables(sim.spec);
  const p = sim.spec.stages;
  const v = Math.max(1, sim.spec.virtualStages);
  const k = plans[stageOf[r]!]!.length;
  const replay = new StageReplay(capacityBytes);
  replay.malloc(staticBytes);
  const { kind, microbatch, chunk, modelChunk } = sim;
  // Steady state: once p microbatches in a row have finished (chunk 0's backward) without moving either peak, the
  // replay stops. A pipeline schedule's steady phase repeats the same allocations per microbatch and its cool-down only
  // frees, so the peaks are nearly those of the whole run: every published bar is unchanged, 2 of the 176 JSON outputs
  // move (llama2-7b's Seq1F1B-I what-if −0.02 GiB, deepspeed-uneven +8 KiB), and a Seq1F1B file's full analysis takes
  // ~25–35 % less CPU (same process: 30B 64k 28.5 → 20.6 ms).
  let steadyFinished = 0;
  let lastReserved = -1;
  let lastAllocated = -1;
  // `!` reads: op indices lie inside stageOffsets; j < k and the virtual stage index < p·v, the plans' dimensions.
  // A run stops at its first CUDA out-of-memory: nothing after it happens (and the estimate is over the GPU anyway).
  const alloc = replay.alloc;
  for (
    let i = sim.stageOffsets[r]!;
    i < sim.stageOffsets[r + 1]! && alloc.calls < MAX_ALLOCATOR_CALLS && !alloc.outOfMemory;
    i++
  ) {
    const mb = microbatch[i]!;
    const j = Math.min(chunk[i]!, k - 1);
    const mc = Math.min(modelChunk[i]!, v - 1);
    const plan = plans[stageOf[mc * p + r]!]![j]!;
    const unitKey = (mb * k + j) * v + mc;
    if (kind[i] === OP_F) replay.forward(plan, j, unitKey, mb * v + mc);
    else if (kind[i] === OP_B) {
      replay.backward(plan, j, k, unitKey, mb * v + mc);
      if (j === 0 && mc === 0) {
        if (alloc.peakReservedBytes === lastReserved && alloc.peakAllocatedBytes === lastAllocated) {
          if (++steadyFinished >= p) break;
        } else steadyFinished = 0;
        lastReserved = alloc.peakReservedBytes;
        lastAllocated = alloc.peakAllocatedBytes;
      }
    }
  }
  return replay.alloc.peakReservedBytes - replay.alloc.peakAllocatedBytes;
}

/** A unit plan's every number, exactly (String keeps NaN and ±Infinity apart, which JSON would not). */
const planText = (u: UnitPlan): string =>
  `${u.input},${u.layers};${u.layer.join(',')};${u.logitsTransient};${u.loss.join(',')};${u.prefixBytes}`;

/** Results by unit tables (one object per shape layout and chunk lengths), then by timeline and stage. */
const cached = new WeakMap<UnitTables, Map<string, number>>();

/**
 * Results of earlier analyses, by the timeline's op arrays (simulator.ts keeps built programs across analyses and a
 * SimResult shares its program's arrays, which are never written once built; a program dropped from that cache takes
 * its entries with it), then by everything else the replay reads: the rank, its static bytes, the room, and the byte
 * plans of the rank's units. The editor analyses a file in full again after every pause in typing, and most edits
 * (paths, learning rate, iterations, logging) leave all of these alone. The last RECENT_PER_PROGRAM per program.
 */
const recent = new WeakMap<Uint8Array, Map<string, number>>();
const RECENT_PER_PROGRAM = 8;

/**
 * Bytes the caching allocator reserves beyond the allocated peak on rank `r` under this timeline (0 when the replay
 * does not model the run: see `replayable`).
 */
export function fragmentationBytes(
  shape: ModelShape,
  stages: readonly VirtualStage[],
  tables: UnitTables,
  sim: SimResult,
  r: number,
  staticBytes: number,
  capacityBytes: number,
): number {
  if (!replayable(shape, stages, sim)) return 0;
  let byRun = cached.get(tables);
  if (!byRun) cached.set(tables, (byRun = new Map()));
  const spec = sim.spec;
  const key = `${spec.schedule},${spec.stages},${spec.virtualStages},${spec.microbatches},${r},${staticBytes},${capacityBytes}`;
  let bytes = byRun.get(key);
  if (bytes !== undefined) return bytes;
  const { stageOf } = placementTables(spec);
  // `!` reads: mc < v, and stageOf has p·v entries.
  const held = Array.from({ length: Math.max(1, spec.virtualStages) }, (_, mc) => stageOf[mc * spec.stages + r]!);
  const plans = unitPlans(shape, stages, tables.chunkTokens, held);
  const recentKey = `${r} ${staticBytes} ${capacityBytes} ${held.map((s) => plans[s]!.map(planText).join('/')).join('|')}`;
  let byPlans = recent.get(sim.kind);
  if (!byPlans) recent.set(sim.kind, (byPlans = new Map()));
  bytes = byPlans.get(recentKey);
  // Most recently used last, so the oldest goes first.
  if (bytes !== undefined) byPlans.delete(recentKey);
  else bytes = replayStage(plans, sim, r, staticBytes, capacityBytes);
  byPlans.set(recentKey, bytes);
  if (byPlans.size > RECENT_PER_PROGRAM) byPlans.delete(byPlans.keys().next().value as string);
  byRun.set(key, bytes);
  return bytes;
}
