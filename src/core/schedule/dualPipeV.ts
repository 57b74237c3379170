// DualPipeV, the V-shape "cut-in-half" DualPipe (DeepSeek-V3 technical report, arXiv 2412.19437; Sea AI Lab's
// "Cut-in-half" note; reference code deepseek-ai/DualPipe 3da1bbe dualpipe/dualpipev.py): p ranks hold 2p stages in a
// V (rank r: virtual stages r and 2p − 1 − r, placement.ts), microbatches enter and leave on rank 0, and each rank runs
// eight phases whose lengths depend on r only (DualPipeV.step, dualpipev.py:330-395). MindSpeed's
// --schedules-method dualpipev runs the same phases (Ascend/MindSpeed 028de58c mindspeed/core/pipeline_parallel/
// dualpipev/dualpipev_schedules.py:310-345, generate_dualpipev_schedule: warm-up 2(p−1−r), r+1 F0F1 pairs, p−r−1 B1W1F1,
// 2(m−2p+r+1) overlapped F&B, p−r−1 B1+F&B, r+1 B1B0 and the cool-down).
//
// The overlapped pair. DualPipe's F&B runs the forward of one chunk and the backward of the other together so that
// each one's communication (p2p, and in DeepSeek-V3 the expert all-to-all) hides under the other's computation; the
// computation itself is not shortened. The pair starts once both inputs are there (_forward_backward_chunk posts both
// receives and waits for them before computing, dualpipev.py:207-216); without a model-specific
// overlapped_forward_backward it then runs F and B back to back (:125-128). We model exactly that: the pair is F then B
// on the rank, its F waits for the B's gradient too (PAIR_START, simulator.ts), so F&B = F + B, and p2p
// messages are delays on the links, never time on the rank — the hiding the pair buys.
//
// B and W. A backward with enable_zb leaves its weight gradient in WeightGradStore's FIFO for a later
// _weight_chunk (dualpipev.py:93-110, 218-225; utils.py:10-33); any other backward is a full one, written here as B
// with its W right after it, its gradient sent when both are done (run_backward computes them together, :107; the
// send follows, :204) — FULL_BACKWARD. The cool-down of MindSpeed keeps full backwards unless --dualpipev-dw-detach
// (dualpipev_schedules.py:1507-1575): only where the last W passes sit in the cool-down differs.

/** The packed op arrays a program writes (programs.ts's layout); dualPipe.ts writes the same. */
export interface OrderOut {
  kind: Uint8Array;
  microbatch: Int32Array;
  chunk: Uint16Array;
  modelChunk: Uint16Array;
  /** Programs.opFlags: PAIR_START, FULL_BACKWARD (and ENTRY, EXIT in dualPipe.ts). */
  opFlags: Uint8Array;
}

const F = 0;
const B = 1;
const W = 2;
/** Programs.opFlags bits: the F that opens an overlapped F&B pair; a full backward (B with its W at once). */
export const PAIR_START = 1;
export const FULL_BACKWARD = 2;
/**
 * Bidirectional pipelines (DualPipe: two directions on one V placement, each microbatch on half of the virtual stages):
 * ENTRY on a forward whose input comes from the data loader, not from virtual stage s − 1; EXIT on the forward and the
 * backward of its direction's loss stage — the backward starts from its own forward, not from s + 1's gradient.
 */
export const ENTRY = 4;
export const EXIT = 8;

/**
 * Writes rank r's 6m ops (of p ranks, m microbatches) from `pos` on, in DualPipeV.step's order (dualpipev.py:330-395);
 * returns the position after them. Model chunk 0 = virtual stage r (activations go down the ranks), 1 = virtual stage
 * 2p − 1 − r (back up to rank 0). Needs m ≥ 2p − 1, so that no phase has a negative length (programs.ts checks).
 * `wholeCooldown`: MindSpeed without --dualpipev-dw-detach — the cool-down's backwards keep their W (below).
 */
export function writeDualPipeVOrder(
  out: OrderOut,
  pos: number,
  p: number,
  r: number,
  m: number,
  wholeCooldown = false,
): number {
  let q = pos;
  const nextF = [0, 0];
  const nextB = [0, 0];
  // WeightGradStore's FIFO of deferred weight gradients, microbatch << 1 | chunk; never more than 2m.
  const queue = new Int32Array(2 * m);
  let head = 0;
  let tail = 0;
  const put = (kind: number, micro: number, chunk: number): void => {
    out.kind[q] = kind;
    out.microbatch[q] = micro;
    out.chunk[q] = 0;
    out.modelChunk[q] = chunk;
    q++;
  };
  const fwd = (c: number): void => put(F, nextF[c]!++, c);
  const bwd = (c: number, zb: boolean): void => {
    const micro = nextB[c]!++;
    if (!zb) out.opFlags[q] = FULL_BACKWARD;
    put(B, micro, c);
    if (zb) queue[tail++] = (micro << 1) | c;
    else put(W, micro, c);
  };
  const weight = (): void => {
    const code = queue[head++]!;
    put(W, code >> 1, code & 1);
  };
  // The pair F&B: forward of chunk c0, then the backward of chunk c1 (full).
  const pair = (c0: number, c1: number): void => {
    out.opFlags[q] = PAIR_START;
    fwd(c0);
    bwd(c1, false);
  };

  for (let i = 0; i < 2 * (p - r - 1); i++) fwd(0); // step 1: nF0
  for (let i = 0; i <= r; i++) {
    fwd(0); // step 2: nF0F1
    fwd(1);
  }
  for (let i = 0; i < p - r - 1; i++) {
    bwd(1, true); // step 3: nB1W1F1, zero bubble
    weight();
    fwd(1);
  }
  // Step 4, the main step: nF0B1F1B0. The last rank's first F0 and B1 are not overlapped (:355-362): its F0 does not
  // wait for the B1's gradient.
  for (let i = 0; i < m - 2 * p + r + 1; i++) {
    if (i === 0 && r === p - 1) {
      fwd(0);
      bwd(1, false);
    } else pair(0, 1);
    pair(1, 0);
  }
  for (let i = 0; i < p - r - 1; i++) {
    bwd(1, false); // step 5: nB1F1B0
    pair(1, 0);
  }
  // Step 6: nB1B0, the second half with zero bubble (:375-384). Its second half and step 7's B0 are the rank's last p
  // backwards, MindSpeed's cool-down (dualpipev_schedules.py:1507-1575 at 028de58c): with --dualpipev-dw-detach each
  // is decoupled (:1521-1522, 1537-1538) and its W queued (flush_chunk_grad, :1556), one W popped after each from
  // the (r+1)-th on (cooldown[r][0] = r + 1, :1557-1558; generate_dualpipev_schedule :334) and r after the loop
  // (cooldown[r][2] − 1, :1573-1574) — B^r (B W)^(p−r) W^r, which is this order exactly. Without the flag
  // backward_step computes W inside (no decoupling) and the queue pops are empty: p full backwards.
  let zb = false;
  const half = (r + 1) >> 1;
  for (let i = 0; i <= r; i++) {
    if (i === half && r % 2 === 1) zb = !wholeCooldown;
    bwd(1, zb);
    if (i === half && r % 2 === 0) zb = !wholeCooldown;
    bwd(0, zb);
  }
  for (let i = 0; i < p - r - 1; i++) {
    if (!wholeCooldown) weight(); // step 7: nWB0
    bwd(0, !wholeCooldown);
  }
  if (!wholeCooldown) for (let i = 0; i <= r; i++) weight(); // step 8: nW
  return q;
}
