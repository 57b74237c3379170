// Activation memory: bytes a layer keeps for backward (megatron.md §3.2, "generalised per-layer count"), turned into
// bytes per scheduling unit (microbatch × sequence chunk × model chunk), which liveness.ts walks over the simulated op
// order of each stage to get memory over time.
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
  const lin = linearInputBytes(shape);
  // Under FP8 the output projection keeps its own FP8 copy of core attention's output besides the bf16 one
  // attention keeps for its backward; in bf16 both are one tensor.
  const projCopy = lin < 2 ? lin : 0;

  let perToken = 4 * h * rep; // the two norm inputs
  // Attention: QKV input (norm output), Q, K, V, output-projection input, hidden-dropout mask.
  perToken += (modules.has('layernorm') ? 0 : lin * h * rep) + hiddenMask * h * rep;
  if (shape.mla)
    perToken += mlaBytesPerToken(shape.mla, headsLocal, rep, modules) + projCopy * headsLocal * shape.mla.vHeadDim;
  else perToken += (2 * hq) / t + 4 * hkvLocal + ((2 + projCopy) * hq) / t;
  // --qk-layernorm (Megatron-Core attention.py:1932-1936 at d98e8a64): TENorm over each head of Q and of K keeps
  // `input.contiguous()` and its fp32 statistics per row for backward (TransformerEngine d0067d0
  // ops/basic/rmsnorm.py:189, :209 — reciprocal std; layer_norm.py:206, :228 — mean too). Q's input is already a copy
  // (its reshape out of the grouped QKV split cannot be a view, attention.py:1913-1918); K's is a split view the norm
  // copies. Both are kept besides the normalised, rotated Q and K that core attention keeps (counted above).
  if (shape.qkLayernorm && !shape.mla) {
    const stats = shape.normParamFactor === 1 ? 4 : 8;
    perToken += (2 * hq) / t + 2 * hkvLocal + stats * (headsLocal + hkvLocal / shape.headDim);
  }
  // The legacy local layer hands flash-attn's output to the output projection through einops rearranges and
  // .contiguous() (thunlp/Seq1F1B megatron/model/transformer.py:513-515 and :864-871 at 6893466): with b > 1 the
  // 'b s h d -> s b (h d)' permute is a real copy the projection keeps besides flash's own saved output; with b = 1 a
  // permute that only moves the size-1 batch axis is already contiguous, so it is the same storage, counted once.
  if (shape.legacyFlashPath && shape.microBatch > 1 && !modules.has('core_attn')) perToken += (2 * hq) / t;
  // The Seq1F1B fork's rotary embedding (megatron/core/models/common/rotary_pos_embedding.py:51 at 6893466):
  // apply_rotary_pos_emb computes `t * freqs.cos() + _rotate_half(t) * freqs.sin()` for Q and again for K
  // (model/transformer.py:847-848), and each product keeps its table for backward (the other factor has no
  // gradient). The tables are [s, 1, 1, d] in bf16 — inv_freq is a buffer that Float16Module's module.bfloat16()
  // converts (model/module.py:165) — so 4 tables · 2 bytes · d_rot per sequence position, whatever TP and SP (each
  // rank rotates its own heads over the whole chunk) and shared by the b samples. The tables are as wide as
  // RotaryEmbedding's dim, int(d · --rotary-percent) (model/language_model.py:378-388); apply_rotary_pos_emb slices
  // the rotated part off as a view and concatenates the untouched rest back without saving it
  // (rotary_pos_embedding.py:39-52).
  if (shape.ropeTablesPerLayer) perToken += (8 * shape.rotaryDim) / shape.microBatch;
  let scoreBytes = 0;
  // Recomputing core attention keeps only its inputs (Q, K, V, counted above): no scores, no log-sum-exp.
  if (!modules.has('core_attn')) {
    if (shape.flashAttention)
      perToken += 4 * headsLocal; // fp32 log-sum-exp
    else scoreBytes = headsLocal * queryTokens * keyTokens * (2 + (shape.attentionDropout > 0 ? 3 : 0));
  }
  // MLP input (norm output) and its dropout mask.
  perToken += (modules.has('layernorm') ? 0 : lin * h * rep) + hiddenMask * h * rep;
  const gluWidth = shape.glu ? 2 : 1;
  if (!moe) {
    // fc1's output, kept by the activation function (bf16), and fc2's input (a linear input).
    if (!modules.has('mlp')) perToken += (2 * shape.ffn * gluWidth) / t + (lin * shape.ffn) / t;
  } else if (!modules.has('moe')) {
    // Dropless top-k routing, perfectly balanced: the TP group's tokens, k copies each, are spread over its ranks
    // as etp/t of them per rank (with expert-TP = t every rank sees all of them and computes F_e/t of the width;
    // with expert-TP = 1 each takes 1/t of the tokens at full width). EP moves copies but not their count.
    // Token dropping at a capacity factor changes how many copies there are (ModelShape.moeRoutedCopies).
    const fe = shape.moeFfn / shape.etp;
    const copies = shape.moeRoutedCopies;
    const routedPerCopy = lin * h + 2 * fe * gluWidth + (modules.has('moe_act') ? 0 : lin * fe);
    perToken += ((copies * shape.etp) / t) * routedPerCopy + 4 * shape.numExperts * rep; // + fp32 router logits
    // Nothing more for the combine: current Megatron-Core weighs the copies by their probs inside the experts'
    // activation (experts.py permuted_probs) and unpermutes without them (token_dispatcher.py:891-899 at d98e8a64),
    // an index scatter whose backward needs no saved tokens.
    if (shape.sharedExpertFfn > 0 && !modules.has('shared_experts'))
      perToken += (2 * shape.sharedExpertFfn * gluWidth) / t + (lin * shape.sharedExpertFfn) / t;
  }
  return perToken * queryTokens + scoreBytes;
}

/**
 * Bytes per element of a saved linear-layer input. Under FP8 Transformer Engine's Linear / LayerNormLinear /
 * GroupedLinear keep the quantized input for the weight gradient instead of the bf16 one ("Cached input tensor …
 * saved_inputmat = inputmat" after update_usage(columnwise_usage=True), transformer_engine/pytorch/module/linear.py
 * of TE 2.x), 1 byte per element for every FP8 recipe (MXFP8's block scales, 1/32 byte, are left out). What a
 * linear layer does not own (the bf16 output of attention, of fc1 kept by the activation) stays 2 bytes. The
 * bf16 first/last layers of --first-last-layers-bf16 are counted as FP8 too (ModelShape.storage.bf16Layers).
 */
function linearInputBytes(shape: ModelShape): number {
  return shape.storage.lowPrecision?.format === 'fp8' ? 1 : 2;
}

/**
 * Bytes per token multi-latent attention keeps for backward besides its input (NVIDIA/Megatron-LM d98e8a64
 * megatron/core/transformer/multi_latent_attention.py): the down projections read the norm output (counted by the
 * caller) and are plain Linear layers, so their outputs are sequence-sharded under SP like that input (:637-663); the
 * q and kv latents are kept twice, as the input of their norm and as the input of the up projection (q_lora_rank
 * null: one q projection of the norm output, nothing more). The up projections' outputs are split and concatenated
 * with the rotary part into new query/key tensors and value is made contiguous (:944-981), so core attention holds
 * its own query and key of qk_head_dim + qk_pos_emb_head_dim and value of v_head_dim per local head, and its output
 * (v_head_dim per head) is the input of the output projection. With `mla_up_proj` recomputed (:171-174) the
 * CheckpointWithoutOutput around the up projections and rope (:983-987) frees query, key and value after core
 * attention and rebuilds them from the latents in backward (:455-458).
 */
function mlaBytesPerToken(
  mla: NonNullable<ModelShape['mla']>,
  headsLocal: number,
  rep: number,
  modules: ReadonlySet<string>,
): number {
  const dq = mla.qkHeadDim + mla.qkPosEmbHeadDim;
  const latents = (mla.qLoraRank !== null ? 2 * 2 * mla.qLoraRank : 0) + 2 * 2 * mla.kvLoraRank;
  const qkv = modules.has('mla_up_proj') ? 0 : 2 * headsLocal * (2 * dq + mla.vHeadDim);
  const output = 2 * headsLocal * mla.vHeadDim;
  return latents * rep + qkv + output;
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

/**
 * Bytes one decoder layer still holds between its B and its W when the backward is split (zero-bubble schedules): the
 * weight gradient of every linear layer needs that layer's saved input and the gradient of its output. The
 * Zero-Bubble fork's linear backward hands exactly those two to WeightGradStore.put instead of computing the weight
 * gradient (megatron/core/tensor_parallel/layers.py:516-531 at 39f2c186: `pre_process, grad_output, input`); the rest
 * of the layer's saved tensors (attention internals, the activation function's input, norm inputs, dropout masks) are
 * freed with the autograd graph when B ends. A row-parallel layer's output gradient is full width on every TP rank
 * (the backward of its all-reduce is the identity, of its reduce-scatter an all-gather), so it is not divided by t.
 * MLA keeps what `layerActivationBytes` counts (its projections are not modelled one by one here).
 */
export function layerWeightGradBytes(shape: ModelShape, moe: boolean, queryTokens: number): number {
  const t = shape.tp;
  const h = shape.hidden;
  const rep = shape.sequenceParallel ? 1 / t : 1;
  const lin = linearInputBytes(shape);
  const gluWidth = shape.glu ? 2 : 1;
  const hq = shape.heads * shape.headDim;
  // bf16/fp16 output gradients: QKV (column-parallel), the attention projection (row-parallel, full width).
  let perToken = lin * h * rep + (2 * hq) / t + 4 * kvWidthPerRank(shape);
  perToken += (lin * hq) / t + 2 * h;
  const mlp = (ffn: number, share: number): number =>
    share * (lin * h * rep + (2 * ffn * gluWidth) / t + (lin * ffn) / t + 2 * h);
  if (!moe) perToken += mlp(shape.ffn, 1);
  else {
    // Routed experts: k copies of each token spread over the TP group as in layerActivationBytes (inputs gathered).
    const fe = shape.moeFfn / shape.etp;
    const copies = (shape.moeRoutedCopies * shape.etp) / t;
    perToken += copies * (lin * h + 2 * fe * gluWidth + lin * fe + 2 * h);
    if (shape.sharedExpertFfn > 0) perToken += mlp(shape.sharedExpertFfn, 1);
  }
  return perToken * queryTokens;
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
  /**
   * Seq1F1B: bytes this chunk adds to its microbatch's prefix cache beyond its own saved K/V (0 when k = 1). Chunk 0's
   * cache is its own K/V (counted with the layer), so chunk 1 adds the whole prefix P₁ and each later chunk its own.
   */
  kvAppend: Float64Array[];
  /** Seq1F1B: the prefix-sized dK/dV accumulator held from a microbatch's first to its last backward. */
  dkdvBytes: Float64Array;
  /** Split backward (B then W): activation bytes still held from the unit's B to its W (layerWeightGradBytes). */
  weightGradActivations: Float64Array[];
  /** Split backward, last virtual stage: the output layer's input and the bf16 gradient of the logits, B to W. */
  weightGradLogits: Float64Array[];
  /**
   * Per virtual stage: bytes of the buffer that stays allocated once its first unit ran (the allgather token
   * dispatcher's global buffer, moeAllGatherBytes); a rank holds the largest of its virtual stages' (one buffer).
   */
  persistentBytes: Float64Array;
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
    weightGradActivations: mk(),
    weightGradLogits: mk(),
    persistentBytes: new Float64Array(stages.length),
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
    // MLA's projections are not itemised for W: it keeps its whole layer until W (an overestimate, never an under).
    const wDense = shape.mla ? dense : Math.min(layerWeightGradBytes(shape, false, q), dense);
    const wMoe = shape.mla ? moe : Math.min(layerWeightGradBytes(shape, true, q), moe);
    const scores = scoresBytes(shape, q, prefix);
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
        stored -= offloadedBytes(shape, st, dense, moe);
      }
      if (st.hasEmbedding) {
        // int64 token ids (every TP rank holds them) + the embedding dropout mask. The embedding output itself is
        // the first layer's input and is counted there.
        stored += 8 * q + (shape.hiddenDropout > 0 ? shape.hidden * q * rep : 0);
        // Under SP a pre-2024 fork's embedding hands the first layer a view of the whole-sequence output: the
        // scatter slices its first dimension and `.contiguous()` of that slice is the same storage (thunlp/Seq1F1B
        // 6893466 megatron/core/tensor_parallel/mappings.py:64, model/language_model.py:246-249; Megatron-DeepSpeed
        // the same), and the first layer keeps its input for backward, so all [s, b, h] of it stays, not 1/t.
        // Megatron-Core does the same with learned positions under --no-clone-scatter-output-in-embedding; when it
        // applies is ModelShape.embeddingKeepsFullSequence (model/shape.ts).
        if (shape.embeddingKeepsFullSequence) stored += 2 * shape.hidden * q * (1 - 1 / t);
      }
      if (st.numLayers > 0) transientB += scores; // the gradient of one layer's probabilities (scoresBytes)
      tables.activations[vs]![j] = stored;
      tables.backwardTransient[vs]![j] = transientB;
      // Between B and W every layer's linear inputs and output gradients stay, recomputed ones included.
      tables.weightGradActivations[vs]![j] = nDense * wDense + nMoe * wMoe;
      if (st.hasLoss) {
        // Kept for backward: fp32 softmax of the vocab-parallel cross-entropy (Vp/t wide), the final-norm input and
        // the output-layer input (bf16), int64 labels and an fp32 loss mask.
        const lossHead = (4 * q * shape.vocabPadded) / t + 2 * 2 * shape.hidden * q * rep + 12 * q;
        // Multi-token prediction (megatron/core/transformer/multi_token_prediction.py at d98e8a64): each of the D
        // depths on the last stage runs enorm on the next token's embedding and hnorm on the hidden state (inputs
        // kept, :1335-1337), their concatenation into eh_proj (input kept, :1341-1342), one decoder layer of the
        // model's last-layer kind, and its own output layer and loss (process_mtp_loss :1012-1027) — a second set
        // of logits per depth.
        const mtp = shape.mtpLayers;
        tables.logits[vs]![j] = lossHead * (1 + mtp);
        // W of the output layer reads its input and the bf16 gradient of the logits (Vp/t wide).
        tables.weightGradLogits[vs]![j] = (1 + mtp) * (2 * shape.hidden * q * rep + (2 * q * shape.vocabPadded) / t);
        if (mtp > 0) {
          const lastIsMoe = shape.moeLayers[shape.numLayers - 1] === true;
          const mtpLayer = lastIsMoe ? moe : dense;
          tables.activations[vs]![j] = stored + mtp * (mtpLayer + 8 * shape.hidden * q * rep);
          // Each depth's decoder layer and eh_proj (input 2h wide, output gradient h wide) wait for W too.
          tables.weightGradActivations[vs]![j] =
            nDense * wDense + nMoe * wMoe + mtp * ((lastIsMoe ? wMoe : wDense) + 6 * shape.hidden * q * rep);
        }
        // The bf16 logits exist only until the fp32 cast inside the loss of this forward (one depth at a time).
        tables.forwardTransient[vs]![j] = (2 * q * shape.vocabPadded) / t;
      }
      // The data loader's b×s×s causal mask sits on the first and last stage while a microbatch's forward runs
      // (resolve/derived/dataloaderMask.ts); only whole-sequence units (k = 1) come with one.
      if ((st.hasEmbedding || st.hasLoss) && k === 1)
        tables.forwardTransient[vs]![j] = tables.forwardTransient[vs]![j]! + shape.dataloaderMaskBytes;
      // The scores tensor of the local attention persists (scoresBytes), shared with the allgather buffer below.
      if (shape.localScoresBuffer && st.numLayers > 0)
        tables.persistentBytes[vs] = Math.max(tables.persistentBytes[vs]!, scores);
      if (st.numMoeLayers > 0) addMoeAllGather(tables, vs, j, moeAllGatherBytes(shape, q));
      if (k > 1) {
        // The first chunk's cache is the chunk's own K and V (`k_whole = k`, thunlp/Seq1F1B 6893466
        // model/transformer.py:59-62; MindSpeed's Seq1F1BCache the same, seq1f1b_attn.py:150), already kept for its
        // backward; the second chunk's torch.cat makes the first copy, of the whole prefix P₁ (:57-58).
        const appended = j === 0 ? 0 : j === 1 ? q + (chunkTokens[0]! * b) / cp : q;
        tables.kvAppend[vs]![j] = st.numLayers * kvPerTokenPerLayer * appended;
        if (j === 0) tables.dkdvBytes[vs] = st.numLayers * kvPerTokenPerLayer * ((seq * b) / cp);
      }
    }
  }
  return tables;
}

/**
 * The allgather dispatcher's tokens of one unit (moeAllGatherBytes), one MoE layer at a time: the combine's unpermuted
 * output in forward, the all-gathered output gradient in backward; the gathered input itself lives in the persistent
 * global buffer.
 */
function addMoeAllGather(tables: UnitTables, vs: number, j: number, gathered: number): void {
  if (gathered <= 0) return;
  tables.forwardTransient[vs]![j] = tables.forwardTransient[vs]![j]! + gathered;
  tables.backwardTransient[vs]![j] = tables.backwardTransient[vs]![j]! + gathered;
  tables.persistentBytes[vs] = Math.max(tables.persistentBytes[vs]!, gathered);
}

/**
 * Bytes of one [b·np, sq, sk] tensor of attention scores in the activation dtype, for attention that materialises
 * them (0 with flash / fused attention). Two things have that size:
 * - in backward, the backward of probs·V makes the gradient of the probabilities while the node's saved
 *   probabilities are still held (autograd releases a node's saved tensors after its backward returns): one layer at
 *   a time, on top of what the unit keeps;
 * - the local attention computes the raw scores with baddbmm into a tensor from the global memory buffer
 *   (Megatron-Core core/transformer/dot_product_attention.py:189-191 at d98e8a64; the pre-2024
 *   megatron/model/transformer.py CoreAttention the same: zero-bubble ed85b11c :363-365, thunlp/Seq1F1B :406,
 *   microsoft/Megatron-DeepSpeed :308; bigscience's allocates it per call). GlobalMemoryBuffer.get_tensor keeps one
 *   tensor per (name, dtype) at its largest size for the rest of the run (core/utils.py:727-752), and the allgather
 *   dispatcher's buffer shares the "mpu" name: one buffer, the larger of the two.
 */
function scoresBytes(shape: ModelShape, queryTokens: number, keyTokens: number): number {
  if (shape.flashAttention) return 0;
  return (shape.precision === 'fp32' ? 4 : 2) * (shape.heads / shape.tp) * queryTokens * keyTokens;
}

/**
 * Bytes of one MoE layer's tokens gathered over the expert TP×EP group by Megatron-Core's allgather dispatcher, for
 * `queryTokens` local tokens of a unit (0 for the other dispatchers, or when that group is one rank). At d98e8a64
 * (megatron/core/transformer/moe/token_dispatcher.py):
 * - token_dispatch (:281-303) all-gathers the rank's hidden states, [(s/TP)·b, h] under sequence parallelism, over
 *   the ETP·EP ranks into the global memory buffer (`use_global_buffer=True`; tensor_parallel/mappings.py:142-143),
 *   which GlobalMemoryBuffer.get_tensor keeps at its largest size for the rest of the run (core/utils.py:727-752);
 * - combine_preprocess (:346-352) unpermutes the expert outputs back to that gathered shape, a new tensor the
 *   reduce-scatter of token_combine (:361-363) then reads: one such tensor per MoE layer in forward;
 * - in backward the reduce-scatter's gradient is an all-gather of the same shape (mappings.py
 *   _ReduceScatterToSequenceParallelRegion.backward).
 * Each is gathered tokens × h in the activation dtype (2 bytes; an fp32 --moe-router-dtype casts the combine to fp32,
 * left out). The permuted copies the experts keep for backward are counted in layerActivationBytes; the gathered
 * probabilities and routing map (tokens × E) are left out.
 */
export function moeAllGatherBytes(shape: ModelShape, queryTokens: number): number {
  const group = shape.etp * shape.ep;
  if (shape.moeDispatcher !== 'allgather' || group <= 1) return 0;
  const localTokens = shape.sequenceParallel ? queryTokens / shape.tp : queryTokens;
  return 2 * localTokens * group * shape.hidden;
}

/**
 * Activations TE's CPU offload context keeps off the GPU for one unit: with `num_layers` offloaded of `model_layers`
 * "activation memory usage is equal to (num_layers − num_offloaded_layers)·T" (TransformerEngine
 * transformer_engine/pytorch/cpu_offload.py, get_cpu_offload_context docstring), and at most model_layers − 1 are
 * offloaded (its assert). Megatron-Core builds the context over the block's layers (transformer_block.py:304-313 at
 * d98e8a64) and allows it only without PP and without recompute (transformer_config.py:1884-1899), so the chunk is
 * the whole model. Tensors under TE's 2^20-element minimum stay on the GPU; at LLM sizes only masks are that small.
 */
function offloadedBytes(shape: ModelShape, st: VirtualStage, dense: number, moe: number): number {
  const n = Math.min(shape.cpuOffloadLayers, st.numLayers - 1);
  if (n <= 0 || shape.recompute !== null) return 0;
  const nMoe = countMoe(shape, st.firstLayer, n);
  return (n - nMoe) * dense + nMoe * moe;
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
