// The time one decoder layer spends on one GPU for one (sequence chunk, microbatch), split by term: GEMMs and
// attention (compute), memory-bound kernels (non-GEMM), exposed TP / EP / CP communication; the backward split into
// B (input gradients, attention backward, non-GEMM backward) and W (weight-gradient GEMMs) as zero-bubble needs it;
// and what selective recompute re-runs. Megatron's layer: norm → QKV → core attention → projection → dropout+add →
// norm → MLP (fc1, activation, fc2) or MoE experts → dropout+add.
import type { ModelShape } from '../../model/shape';
import type { CostConstants } from './constants';
import { gemmMs, ringMs, type KernelRates, type Link } from './kernels';

/** Times of one phase of one layer, ms. */
export interface PhaseTerms {
  compute: number;
  nonGemm: number;
  comm: number;
}

export interface LayerCost {
  forward: PhaseTerms;
  /** B: input-gradient GEMMs, attention backward, non-GEMM backward, exposed backward communication. */
  backwardInput: PhaseTerms;
  /** W: weight-gradient GEMMs. */
  weightGradMs: number;
  /** What selective recompute (--recompute-modules) runs again in the backward, ms. */
  selectiveRecomputeMs: number;
  /** Launch-bound floors: ms the CPU needs to issue the layer's kernels, forward and backward. */
  launchForwardMs: number;
  launchBackwardMs: number;
}

export interface LayerContext {
  shape: ModelShape;
  rates: KernelRates;
  constants: CostConstants;
  tpLink: Link;
  /** Raw link (GB/s, µs) of the expert-parallel group and of the context-parallel ring. */
  epLink: Link;
  cpLink: Link;
  tpCommOverlap: boolean;
}

interface Gemms {
  qkv: number;
  proj: number;
  /** fc1 and fc2 (or the routed experts' and shared experts' GEMMs), per GPU, with how many GEMM launches. */
  mlp: number;
  mlpCount: number;
  /** Elements per token the activation kernel touches, in units of f (GELU: f, SwiGLU: 1.5 f) for the non-GEMM term. */
  actWidth: number;
}

/** Forward GEMM FLOPs per GPU for `tok` local tokens. */
function gemmsOf(s: ModelShape, moe: boolean, tok: number): Gemms {
  const { hidden: h, heads: n, kvHeads: g, headDim: d, tp: t } = s;
  const glu = s.glu ? 3 : 2;
  const qkv = (2 * tok * h * (n * d + 2 * g * d)) / t;
  const proj = (2 * tok * n * d * h) / t;
  if (!moe) return { qkv, proj, mlp: (2 * tok * h * s.ffn * glu) / t, mlpCount: 2, actWidth: (s.ffn * glu) / 2 };
  // Balanced top-k routing: each GPU computes tok·k/t token-expert pairs over its E/ep local experts.
  const localExperts = Math.max(1, s.numExperts / s.ep);
  const routed = (2 * tok * s.topk * h * s.moeFfn * glu) / t;
  const shared = (2 * tok * h * s.sharedExpertFfn * glu) / t;
  return {
    qkv,
    proj,
    mlp: routed + shared,
    mlpCount: 2 * localExperts + (shared > 0 ? 2 : 0),
    actWidth: ((s.topk * s.moeFfn + s.sharedExpertFfn) * glu) / 2,
  };
}

/** Core attention of x query tokens over a causal prefix ending at P, per GPU: forward and backward ms. */
function attentionMs(ctx: LayerContext, x: number, prefix: number): { forward: number; backward: number } {
  const { shape: s, rates, constants: c } = ctx;
  const perGpu = s.microBatch / (s.tp * s.cp);
  const n = s.heads;
  const d = s.headDim;
  if (s.flashAttention) {
    // Flash attention visits only the causal pairs: x·P − x²/2 (cost-model.md §1.8).
    const flops = (4 * d + 3) * n * (x * prefix - (x * x) / 2) * perGpu;
    return {
      forward: flops / rates.flashForwardFlopsPerMs,
      backward: (flops * c.attentionBackwardRatio) / rates.flashBackwardFlopsPerMs,
    };
  }
  // Unfused: QKᵀ and AV over the whole x × P rectangle (the mask is applied after), plus the score traffic.
  const scores = n * x * prefix * perGpu;
  const matmul = 4 * d * scores;
  return {
    forward: gemmMs(matmul, rates, 2) + (scores * c.unfusedScoreBytesForward) / rates.hbmBytesPerMs,
    backward: gemmMs(2 * matmul, rates, 4) + (scores * c.unfusedScoreBytesBackward) / rates.hbmBytesPerMs,
  };
}

/** Exposed expert all-to-all (dispatch + combine) and context-parallel ring time of one layer, forward and backward. */
function moeAndCpMs(ctx: LayerContext, moe: boolean, tok: number, attn: { forward: number; backward: number }) {
  const { shape: s, constants: c } = ctx;
  let forward = 0;
  let backward = 0;
  if (moe && s.ep > 1) {
    // Each token's k copies leave for other EP ranks ((ep−1)/ep of them), twice per pass (dispatch, combine).
    const bytes = (tok * s.topk * s.hidden * c.activationBytes * (s.ep - 1)) / s.ep / s.tp;
    const one =
      (s.ep - 1) * ctx.epLink.latencyUs * 1e-3 + (bytes / (ctx.epLink.GBps * c.allToAllEfficiency * 1e9)) * 1e3;
    forward += 2 * one;
    backward += 2 * one;
  }
  if (s.cp > 1) {
    // Ring attention passes K and V of the local chunk cp−1 times (dK, dV too in the backward), overlapped with the
    // attention math of the blocks already held; only what the math does not cover is exposed.
    const kvBytes = 2 * tok * ((s.kvHeads * s.headDim) / Math.min(s.tp, s.kvHeads)) * c.activationBytes;
    const step = (bytes: number): number =>
      ctx.cpLink.latencyUs * 1e-3 + (bytes / (ctx.cpLink.GBps * c.nvlinkBusEfficiency * 1e9)) * 1e3;
    forward += Math.max(0, (s.cp - 1) * step(kvBytes) - attn.forward);
    backward += Math.max(0, (s.cp - 1) * step(2 * kvBytes) - attn.backward);
  }
  return { forward, backward };
}

/** One layer's terms for x tokens of each sequence (chunk) whose causal prefix ends at P. */
export function layerCost(ctx: LayerContext, moe: boolean, x: number, prefix: number): LayerCost {
  const { shape: s, rates, constants: c } = ctx;
  const tok = (x * s.microBatch) / s.cp; // local tokens of this GPU
  const t = s.tp;
  const gm = gemmsOf(s, moe, tok);
  const gemmForward = gemmMs(gm.qkv, rates) + gemmMs(gm.proj, rates) + gemmMs(gm.mlp, rates, gm.mlpCount);
  const attn = attentionMs(ctx, x, prefix);
  // Memory-bound kernels: norms, dropout + residual adds on tok·h (split over TP only under SP), and the TP-sharded
  // element-wise work on tok·(h + activation width)/t.
  const rep = s.sequenceParallel ? 1 / t : 1;
  const replicatedMs = (c.nonGemmReplicatedBytes * tok * s.hidden * rep) / rates.hbmBytesPerMs;
  const shardedMs = (c.nonGemmShardedBytes * tok * (s.hidden + gm.actWidth)) / t / rates.hbmBytesPerMs;
  const nonGemmForward = replicatedMs + shardedMs;
  // Two TP collectives per layer each way: all-reduces, or under SP all-gather + reduce-scatter pairs, which move
  // the same bytes (Korthikanti et al. 2022 §4.2.2).
  const tpBytes = tok * s.hidden * c.activationBytes;
  const tpMs = 2 * ringMs(tpBytes, t, 'all-reduce', ctx.tpLink);
  const overlap = ctx.tpCommOverlap && s.sequenceParallel;
  const extra = moeAndCpMs(ctx, moe, tok, attn);
  const mlpActMs = (c.nonGemmShardedBytes * tok * gm.actWidth) / t / rates.hbmBytesPerMs;
  const selective = new Set(s.recompute === 'selective' ? s.recomputeModules : []);
  let selectiveRecomputeMs = 0;
  if (selective.has('core_attn')) selectiveRecomputeMs += attn.forward;
  if (selective.has(moe ? 'moe' : 'mlp')) selectiveRecomputeMs += gemmMs(gm.mlp, rates, gm.mlpCount) + mlpActMs;
  else if (selective.has('moe_act') && moe) selectiveRecomputeMs += mlpActMs;
  // The two norms are about half of the replicated element-wise work (the rest is dropout + residual adds).
  if (selective.has('layernorm')) selectiveRecomputeMs += replicatedMs / 2;
  return {
    forward: {
      compute: gemmForward + attn.forward,
      nonGemm: nonGemmForward,
      comm: tpMs * (overlap ? c.tpOverlapExposed : 1) + extra.forward,
    },
    backwardInput: {
      compute: gemmForward + attn.backward,
      nonGemm: nonGemmForward * c.nonGemmBackwardRatio,
      comm: tpMs * (overlap ? c.tpOverlapExposed : c.tpBackwardExposed) + extra.backward,
    },
    weightGradMs: gemmForward,
    selectiveRecomputeMs,
    launchForwardMs: c.kernelsPerLayerForward * c.kernelLaunchUs * 1e-3,
    launchBackwardMs: c.kernelsPerLayerBackward * c.kernelLaunchUs * 1e-3,
  };
}

/**
 * Forward FLOPs of one transformer layer for x tokens of one sequence whose prefix ends at token P (the FLOPs the
 * TFLOP/s figure counts). Under MoE every layer is costed as an expert layer (top-k experts of width moeFfn each).
 */
export function layerForwardFlops(shape: ModelShape, x: number, prefix: number): { gemm: number; attention: number } {
  const { hidden: h, heads: n, kvHeads: g, headDim: d } = shape;
  const moe = shape.numExperts > 0;
  const qkv = 2 * x * h * (n * d + 2 * g * d);
  const proj = 2 * x * n * d * h;
  const mlp = 2 * x * h * (moe ? shape.moeFfn : shape.ffn) * (shape.glu ? 3 : 2) * (moe ? shape.topk : 1);
  // Causal attention over the prefix: QKᵀ and AV (2·n·d each per query–key pair) plus softmax (3·n),
  // over x·P − x²/2 pairs (spec §2.2).
  const attention = (4 * d + 3) * n * (x * prefix - (x * x) / 2);
  return { gemm: qkv + proj + mlp, attention };
}
