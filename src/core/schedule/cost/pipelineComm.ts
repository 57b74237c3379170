// Communication between pipeline stages: which hops cross nodes, and the p2p time of each chunk's message.
import type { ModelShape } from '../../model/shape';
import type { GpuProfile } from '../../types';
import type { SimCosts } from '../simulator';
import type { CostConstants } from './constants';

/** Whether each forward hop r → r+1 (mod p) crosses nodes; ranks are ordered TP, CP, DP, then PP (stride = t·c·dp). */
export function hopsAcrossNodes(p: number, stride: number, gpusPerNode: number): boolean[] {
  return Array.from({ length: p }, (_, r) => {
    const next = (r + 1) % p;
    const lo = Math.min(r, next) * stride;
    const hi = Math.max(r, next) * stride + stride - 1;
    return Math.floor(lo / gpusPerNode) !== Math.floor(hi / gpusPerNode);
  });
}

/**
 * p2p: one chunk's hidden states (b·x·h, 2-byte), scattered over TP ranks under SP (or the old scatter-gather) and
 * over CP ranks. Each message
 * costs the fixed p2p cost plus its bytes at the achieved link rate (NVLink inside a node, the NIC across nodes).
 */
export function p2pCosts(
  mdl: ModelShape,
  chunkLengths: number[],
  hopInterNode: boolean[],
  gpu: GpuProfile,
  c: CostConstants,
  scatterGather = false,
): Omit<SimCosts, 'forward' | 'backward' | 'weight'> {
  const p = mdl.pp;
  const k = chunkLengths.length;
  const p2pForward = new Float64Array(k);
  const p2pBackward = new Float64Array(k);
  const p2pByRankF = new Float64Array(p * k);
  const p2pByRankB = new Float64Array(p * k);
  const hopMs = (bytes: number, inter: boolean): number =>
    (inter ? gpu.interNodeLatencyUs : gpu.intraNodeLatencyUs) * 1e-3 +
    c.p2pMessageMs +
    (bytes / ((inter ? gpu.interNodeGBps : gpu.intraNodeGBps * c.p2pLinkEfficiency) * 1e9)) * 1e3;
  const anyInterNode = hopInterNode.some((x) => x);
  chunkLengths.forEach((x, j) => {
    const split = mdl.sequenceParallel || scatterGather ? mdl.tp : 1;
    const bytes = (x * mdl.microBatch * mdl.hidden * c.activationBytes) / split / mdl.cp;
    const ms = hopMs(bytes, anyInterNode);
    p2pForward[j] = ms;
    p2pBackward[j] = ms;
    // The forward hop r → r+1 is hop r; the backward hop r → r−1 is hop r−1 (mod p).
    hopInterNode.forEach((inter, r) => {
      p2pByRankF[r * k + j] = hopMs(bytes, inter);
      p2pByRankB[((r + 1) % p) * k + j] = hopMs(bytes, inter);
    });
  });
  return { p2pForward, p2pBackward, p2pForwardByRank: p2pByRankF, p2pBackwardByRank: p2pByRankB };
}
