// DualPipe, the bidirectional pipeline of DeepSeek-V3 (technical report, arXiv 2412.19437 §3.2.1; reference code
// deepseek-ai/DualPipe 3da1bbe dualpipe/dualpipe.py, DualPipe.step :294-440). p ranks (p even) run the model's p stages
// twice: rank r holds stages r and p − 1 − r (examples/example_dualpipe.py:138, `full_modules[rank],
// full_modules[pp_size - 1 - rank]`), the first half of the m microbatches (m even) enters at rank 0 and the second
// half at rank p − 1 (:145-150), each half runs through all p stages in its own direction.
//
// Our model: the V placement with two chunks per rank (placement.ts). Model chunk 0 of rank r is virtual stage r —
// direction 0, whose stage x is on rank x; model chunk 1 is virtual stage 2p − 1 − r — direction 1, whose virtual
// stage p + x is model stage x on rank p − 1 − x. Microbatches 0…m/2 − 1 run direction 0 (virtual stages 0…p − 1
// only), m/2…m − 1 run direction 1 (virtual stages p…2p − 1 only), so each rank runs m/2 microbatches on each chunk:
// 3m ops. The turn of the V is not a dependency here: a direction-1 microbatch enters at virtual stage p from the data
// loader (ENTRY on its first forward), and a direction-0 microbatch's loss is at virtual stage p − 1, where its backward
// starts from its own forward (EXIT on that forward and backward). Both flags are Programs.opFlags bits (dualPipeV.ts).
//
// The overlapped F&B pair and the split of B and W are modelled exactly as for DualPipeV (dualPipeV.ts, whose
// reference code is the same): _forward_backward_chunk receives both inputs and then computes (dualpipe.py:205-214) —
// without a model-specific overlapped_forward_backward, F then a full backward (:126-129) — so PAIR_START on the F; a
// backward with enable_zb leaves its weight gradient in WeightGradStore's FIFO for a later _weight_chunk (:87-119,
// :216-223), any other is a full backward, written as B with its W right after it (FULL_BACKWARD: its gradient leaves
// when both are done).
import { ENTRY, EXIT, FULL_BACKWARD, PAIR_START, type OrderOut } from './dualPipeV';

const F = 0;
const B = 1;
const W = 2;

/**
 * Why DualPipe cannot run p ranks and m microbatches, or null: DualPipe.step asserts an even rank count and an even
 * number of chunks of at least twice the ranks (dualpipe.py:332-333). No dialect relaxes them (MindSpeed ships only
 * DualPipeV), so the reference's rule is the rule.
 */
export function dualPipeNotApplicable(p: number, m: number): string | null {
  if (p < 2 || p % 2 !== 0 || m % 2 !== 0 || m < 2 * p)
    return `DualPipe needs an even PP and an even number of microbatches ≥ 2·PP (PP=${p}, m=${m}); DeepSeek's reference asserts it`;
  return null;
}

/**
 * Writes rank r's 3m ops (of p ranks, m microbatches, both even, m ≥ 2p) from `pos` on, in DualPipe.step's order
 * (dualpipe.py:355-424); returns the position after them.
 */
export function writeDualPipeOrder(out: OrderOut, pos: number, p: number, r: number, m: number): number {
  let q = pos;
  const halfRanks = p / 2;
  const halfRank = Math.min(r, p - 1 - r); // :335
  const halfChunks = m / 2;
  // "For the first half of the ranks: phase 0 means forward direction, phase 1 means reverse direction. For the second
  // half of the ranks: phase 0 means reverse direction" (:355-356; `phase ^= self.is_in_second_half`, :68).
  const flip = r >= halfRanks ? 1 : 0;
  const middle = r === halfRanks - 1 || r === halfRanks; // :45
  const nextF = [0, 0];
  const nextB = [0, 0];
  // A direction's loss stage: rank p − 1 in direction 0, rank 0 in direction 1 (:75); its first stage the other end.
  const lossOn = (d: number): boolean => (d === 0 ? r === p - 1 : r === 0);
  const entryOn = (d: number): boolean => (d === 0 ? r === 0 : r === p - 1);
  // WeightGradStore's FIFO of deferred weight gradients, microbatch << 1 | direction; at most m on a rank.
  const queue = new Int32Array(m);
  let head = 0;
  let tail = 0;
  const put = (kind: number, micro: number, d: number, flags: number): void => {
    out.kind[q] = kind;
    out.microbatch[q] = micro;
    out.chunk[q] = 0;
    out.modelChunk[q] = d;
    out.opFlags[q] = flags;
    q++;
  };
  const fwd = (phase: number, pairStart = 0): void => {
    const d = phase ^ flip;
    const flags = pairStart | (entryOn(d) ? ENTRY : 0) | (lossOn(d) ? EXIT : 0);
    put(F, d * halfChunks + nextF[d]!++, d, flags);
  };
  const bwd = (phase: number, zb: boolean): void => {
    const d = phase ^ flip;
    const micro = d * halfChunks + nextB[d]!++;
    const exit = lossOn(d) ? EXIT : 0;
    put(B, micro, d, exit | (zb ? 0 : FULL_BACKWARD));
    if (zb) queue[tail++] = (micro << 1) | d;
    else put(W, micro, d, 0);
  };
  const weight = (): void => {
    const code = queue[head++]!; // "Assume FIFO" (:222-223)
    put(W, code >> 1, code & 1, 0);
  };
  // _forward_backward_chunk(phase0, phase1): the forward of phase0 and the full backward of phase1, overlapped.
  const pair = (phase0: number, phase1: number): void => {
    fwd(phase0, PAIR_START);
    bwd(phase1, false);
  };

  for (let i = 0; i < 2 * (halfRanks - halfRank - 1); i++) fwd(0); // step 1: nF0 (:358-361)
  for (let i = 0; i <= halfRank; i++) {
    fwd(0); // step 2: nF0F1 (:363-371); the sends' order differs between middle and other ranks, the computes do not
    fwd(1);
  }
  for (let i = 0; i < halfRanks - halfRank - 1; i++) {
    bwd(1, true); // step 3: nB1W1F1, zero bubble (:373-379)
    weight();
    fwd(1);
  }
  // Step 4, the main step: nF0B1F1B0 (:381-396). The middle ranks' first F0 and B1 are not overlapped ("to further
  // reduce bubble size", :386-391): that F0 does not wait for the B1's gradient.
  for (let i = 0; i < halfChunks - p + halfRank + 1; i++) {
    if (i === 0 && middle) {
      fwd(0);
      bwd(1, false);
    } else pair(0, 1);
    pair(1, 0);
  }
  for (let i = 0; i < halfRanks - halfRank - 1; i++) {
    bwd(1, false); // step 5: nB1F1B0 (:398-402)
    pair(1, 0);
  }
  // Step 6: nB1B0, the second half with zero bubble (:404-413).
  let zb = false;
  const half = (halfRank + 1) >> 1;
  for (let i = 0; i <= halfRank; i++) {
    if (i === half && halfRank % 2 === 1) zb = true;
    bwd(1, zb);
    if (i === half && halfRank % 2 === 0) zb = true;
    bwd(0, zb);
  }
  for (let i = 0; i < halfRanks - halfRank - 1; i++) {
    weight(); // step 7: nWB0 (:415-419)
    bwd(0, true);
  }
  for (let i = 0; i <= halfRank; i++) weight(); // step 8: nW (:421-424)
  return q;
}

/** The cost tables dualPipeFirstStartMs reads (k = 1: one slot per virtual stage, p2p per sending rank or uniform). */
interface HeadCosts {
  forward: Float64Array;
  p2pForward: Float64Array;
  p2pBackward: Float64Array;
  p2pForwardByRank?: Float64Array | undefined;
  p2pBackwardByRank?: Float64Array | undefined;
}

/**
 * The earliest rank r can start its first op (a lower bound for the recommendation sweep): a rank's first op is a
 * forward of a direction's first microbatch, which must have passed the stages before it in that direction — from
 * rank 0 down over ranks 0…r − 1 (direction 0), or from rank p − 1 up over ranks p − 1…r + 1 (direction 1, whose
 * activations cross the down link: placement.ts inputHopSlot) — whichever end is nearer in time.
 */
export function dualPipeFirstStartMs(costs: HeadCosts, p: number): Float64Array {
  const down = new Float64Array(p);
  const up = new Float64Array(p);
  // `!` reads: virtual stages < 2p (the cost table's length), ranks < p.
  const hopF = (r: number): number => (costs.p2pForwardByRank ? costs.p2pForwardByRank[r]! : costs.p2pForward[0]!);
  const hopB = (r: number): number => (costs.p2pBackwardByRank ? costs.p2pBackwardByRank[r]! : costs.p2pBackward[0]!);
  for (let r = 1; r < p; r++) down[r] = down[r - 1]! + costs.forward[r - 1]! + hopF(r - 1);
  // Rank x's direction-1 stage is virtual stage 2p − 1 − x; it sends to rank x − 1.
  for (let r = p - 2; r >= 0; r--) up[r] = up[r + 1]! + costs.forward[2 * p - 2 - r]! + hopB(r + 1);
  return down.map((d, r) => Math.min(d, up[r]!));
}
