// The caching-allocator model (memory/allocator.ts) against PyTorch's own rules, each derived by hand on a tiny
// sequence. Source: pytorch/pytorch c10/cuda/CUDACachingAllocator.cpp at 001074d2, DeviceCachingAllocator — the
// constants kMinBlockSize 512, kSmallSize 1 MiB, kSmallBuffer 2 MiB, kMinLargeAlloc 10 MiB, kLargeBuffer 20 MiB,
// kRoundLarge 2 MiB; round_size, get_pool, get_free_block (lower_bound on (size, address)), get_allocation_size,
// should_split / alloc_found_block, free_block / try_merge_blocks, and malloc's retry through release_cached_blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CachingAllocator, roundedRequest, segmentBytes } from '../../../../src/core/memory/allocator';

const MiB = 2 ** 20;

test('round_size and get_allocation_size: 512-byte requests, 2 MiB / 20 MiB / 2 MiB-rounded segments', () => {
  assert.equal(roundedRequest(1), 512);
  assert.equal(roundedRequest(513), 1024);
  assert.equal(roundedRequest(3 * MiB), 3 * MiB);
  // ≤ 1 MiB: the small pool's 2 MiB buffer; 1-10 MiB: a 20 MiB block to split; ≥ 10 MiB: rounded up to 2 MiB.
  assert.equal(segmentBytes(512), 2 * MiB);
  assert.equal(segmentBytes(MiB), 2 * MiB);
  assert.equal(segmentBytes(MiB + 512), 20 * MiB);
  assert.equal(segmentBytes(10 * MiB - 512), 20 * MiB);
  assert.equal(segmentBytes(10 * MiB), 10 * MiB);
  assert.equal(segmentBytes(10 * MiB + 512), 12 * MiB);
});

test('small requests pack into one 2 MiB segment (split whenever ≥ 512 bytes remain)', () => {
  const a = new CachingAllocator();
  a.malloc(1); // 512 bytes of a new 2 MiB segment; the rest (2 MiB − 512) stays free in the small pool
  a.malloc(1000); // 1024 bytes from that remainder
  assert.equal(a.reservedBytes, 2 * MiB);
  assert.equal(a.allocatedBytes, 512 + 1024);
  // 2 MiB − 1,536 bytes are left: a 1 MiB request (the largest small one) fits; a second one no longer does.
  a.malloc(MiB);
  assert.equal(a.reservedBytes, 2 * MiB);
  a.malloc(MiB);
  assert.equal(a.reservedBytes, 4 * MiB);
});

test('large requests: a 20 MiB block split for 3 and 5 MiB; a remainder of ≤ 1 MiB is not split off', () => {
  const a = new CachingAllocator();
  const x = a.malloc(3 * MiB); // new 20 MiB segment; 17 MiB remain (> 1 MiB): split
  const y = a.malloc(5 * MiB); // best fit: the 17 MiB remainder; 12 MiB remain
  assert.equal(a.reservedBytes, 20 * MiB);
  assert.equal(a.allocatedBytes, 8 * MiB);
  // 11.5 MiB from the 12 MiB remainder leaves 0.5 MiB ≤ kSmallSize: the whole 12 MiB block is handed out and counts
  // as allocated (alloc_found_block without split_remainder).
  a.malloc(11.5 * MiB);
  assert.equal(a.allocatedBytes, 20 * MiB);
  assert.equal(a.reservedBytes, 20 * MiB);
  // Freeing 3 and 5 MiB merges the neighbours back into one free 8 MiB block, which an 8 MiB request takes whole.
  a.free(x);
  a.free(y);
  assert.equal(a.allocatedBytes, 12 * MiB);
  a.malloc(8 * MiB);
  assert.equal(a.reservedBytes, 20 * MiB);
  assert.equal(a.allocatedBytes, 20 * MiB);
});

test('best fit: the smallest free block that is large enough, the lower address among equal sizes', () => {
  const a = new CachingAllocator();
  const big = a.malloc(40 * MiB);
  const small = a.malloc(30 * MiB);
  const other = a.malloc(30 * MiB);
  a.free(big);
  a.free(small);
  a.free(other);
  // 25 MiB: the 30 MiB blocks fit better than the 40 MiB one; of the two, the first (lower address). The 5 MiB left
  // is split off (> 1 MiB).
  a.malloc(25 * MiB);
  a.malloc(30 * MiB); // the second 30 MiB block, whole
  a.malloc(40 * MiB); // the 40 MiB block, whole
  assert.equal(a.reservedBytes, 100 * MiB);
  assert.equal(a.allocatedBytes, 95 * MiB);
  a.malloc(5 * MiB); // the 5 MiB remainder
  assert.equal(a.reservedBytes, 100 * MiB);
});

test("a growing cache (Seq1F1B's torch.cat of the K/V prefix) leaves reserved above allocated: hand count", () => {
  // Each chunk's cat makes a prefix tensor larger than the previous one, which is freed after: 12 MiB, then 16, then
  // 20. No freed block is ever large enough for the next request, so each is a new segment:
  //   malloc 12 → reserved 12, allocated 12
  //   malloc 16 → reserved 28, allocated 28 (peak 28); free 12 → allocated 16
  //   malloc 20 → reserved 48, allocated 36 (peak 36); free 16 → allocated 20
  // Reserved 48 MiB against an allocated peak of 36: 12 MiB the allocator holds and cannot hand to these requests.
  const a = new CachingAllocator();
  let previous = a.malloc(12 * MiB);
  for (const size of [16, 20]) {
    const next = a.malloc(size * MiB);
    a.free(previous);
    previous = next;
  }
  assert.equal(a.peakReservedBytes, 48 * MiB);
  assert.equal(a.peakAllocatedBytes, 36 * MiB);
  assert.equal(a.allocatedBytes, 20 * MiB);
  // The microbatch's last backward frees the whole-sequence cache; the next microbatch's prefixes fit the cached
  // blocks exactly: nothing more is reserved.
  a.free(previous);
  previous = a.malloc(12 * MiB);
  for (const size of [16, 20]) {
    const next = a.malloc(size * MiB);
    a.free(previous);
    previous = next;
  }
  assert.equal(a.peakReservedBytes, 48 * MiB);
});

test('1F1B-like reuse: the same sizes freed and allocated again never grow reserved', () => {
  const a = new CachingAllocator();
  const sizes = [24, 24, 96, 96, 24].map((x) => x * MiB);
  for (let microbatch = 0; microbatch < 10; microbatch++) {
    const held = sizes.map((s) => a.malloc(s));
    for (const id of held.reverse()) a.free(id);
  }
  assert.equal(a.peakReservedBytes, a.peakAllocatedBytes);
});

test('out of room, release_cached_blocks returns whole free segments to the device; split ones stay', () => {
  // The device leaves the allocator 50 MiB. A freed 30 MiB segment cannot hold 40 MiB; cudaMalloc of 40 MiB would
  // pass the limit, so the cached 30 MiB segment (unsplit) is released first and reserved ends at 40 MiB.
  const a = new CachingAllocator(50 * MiB);
  a.free(a.malloc(30 * MiB));
  a.malloc(40 * MiB);
  assert.equal(a.reservedBytes, 40 * MiB);
  assert.equal(a.outOfMemory, false);
  // A 20 MiB segment split for 3 MiB keeps its 17 MiB remainder: part of a segment in use, it is never released.
  // With 26 MiB more in use (46 MiB reserved), an 18 MiB request fits neither the 17 MiB block nor the device's
  // remaining 4 MiB, and nothing can be released: a real run stops with "CUDA out of memory".
  const b = new CachingAllocator(50 * MiB);
  b.malloc(3 * MiB);
  b.malloc(26 * MiB);
  assert.equal(b.reservedBytes, 46 * MiB);
  b.malloc(18 * MiB);
  assert.equal(b.outOfMemory, true);
  assert.equal(b.reservedBytes, 64 * MiB);
});

test('reset: an allocator reset after any sequence answers every call as a new one does (the replay reuses one)', () => {
  // A seeded sequence of mallocs and frees of mixed sizes (both pools, splits, merges, a device limit that forces
  // release_cached_blocks); its answers from a new allocator and from one that ran another sequence first.
  const run = (a: CachingAllocator, seed: number): number[] => {
    let x = seed;
    const rnd = (): number => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const live: number[] = [];
    const seen: number[] = [];
    for (let n = 0; n < 3000 && !a.outOfMemory; n++) {
      if (live.length > 0 && rnd() < 0.45) a.free(live.splice(Math.floor(rnd() * live.length), 1)[0]!);
      else live.push(a.malloc(Math.ceil(rnd() * (rnd() < 0.3 ? MiB : 64 * MiB))));
      seen.push(a.reservedBytes, a.allocatedBytes, a.peakReservedBytes, a.peakAllocatedBytes, a.calls);
    }
    seen.push(a.outOfMemory ? 1 : 0);
    return seen;
  };
  for (const [seed, capacity] of [
    [7, Infinity],
    [11, 6 * 1024 * MiB],
    [13, 3 * 1024 * MiB],
  ] as const) {
    const reused = new CachingAllocator(Infinity);
    run(reused, seed + 100);
    reused.reset(capacity);
    assert.deepEqual(run(reused, seed), run(new CachingAllocator(capacity), seed), `seed ${seed}`);
  }
});
