// A model of PyTorch's CUDA caching allocator, the part that decides reserved memory: which segments it asks the
// device for and how freed blocks are reused. Every rule below is the allocator's own, from pytorch/pytorch
// c10/cuda/CUDACachingAllocator.cpp at 001074d2 (DeviceCachingAllocator; the names are its functions and constants),
// with the default configuration (no max_split_size, no expandable segments, no garbage-collection threshold, one
// stream):
// - round_size: requests are rounded up to a multiple of kMinBlockSize = 512 bytes;
// - get_pool: up to kSmallSize = 1 MiB from the small pool, larger from the large pool;
// - get_free_block: the smallest free block of that pool that is large enough, the lowest address among equal sizes
//   (pool.blocks is ordered by size, then address; lower_bound on the request);
// - get_allocation_size: with no such block a new segment is cudaMalloc'ed: kSmallBuffer = 2 MiB for the small pool,
//   kLargeBuffer = 20 MiB below kMinLargeAlloc = 10 MiB, else the request rounded up to kRoundLarge = 2 MiB;
// - should_split / alloc_found_block: the block is split when what remains is ≥ 512 bytes (small pool) or more than
//   kSmallSize (large pool); the request takes the front, the remainder stays free; an unsplit block is handed out
//   whole and counts whole as allocated;
// - free_block / try_merge_blocks: a freed block merges with its free neighbours of the same segment;
// - malloc: when cudaMalloc fails (here: the device's room is used up), release_cached_blocks returns every free block
//   that is a whole segment to the device and the allocation is tried again. Nothing else ever returns a segment
//   (empty_cache aside), so reserved memory only grows while the run stays within the device.
// Blocks live in typed arrays; the free blocks of each pool in an array sorted by (size, address).

const MIN_BLOCK = 512;
const SMALL_SIZE = 1 << 20;
const SMALL_BUFFER = 2 << 20;
const MIN_LARGE_ALLOC = 10 << 20;
const LARGE_BUFFER = 20 << 20;
const ROUND_LARGE = 2 << 20;

const FREE = 0;
const USED = 1;
/** A block merged into a neighbour or released: its id waits in spareIds for the next newBlock. */
const SPARE = 2;

/** Bytes a request of `bytes` occupies (round_size). */
export function roundedRequest(bytes: number): number {
  return bytes <= MIN_BLOCK ? MIN_BLOCK : Math.ceil(bytes / MIN_BLOCK) * MIN_BLOCK;
}

/** Bytes of the segment cudaMalloc'ed for a rounded request no cached block can hold (get_allocation_size). */
export function segmentBytes(size: number): number {
  if (size <= SMALL_SIZE) return SMALL_BUFFER;
  if (size < MIN_LARGE_ALLOC) return LARGE_BUFFER;
  return Math.ceil(size / ROUND_LARGE) * ROUND_LARGE;
}

/** Up to BUCKET − 1 free blocks in order: (size, address, id) triples in one array, so a shift is one copy. */
interface Bucket {
  data: Float64Array;
  n: number;
}

const BUCKET = 64;

const newBucket = (): Bucket => ({ data: new Float64Array(BUCKET * 3), n: 0 });

/** First position of a bucket whose block is not below (size, address). */
function bucketLowerBound(b: Bucket, size: number, address: number): number {
  const { data } = b;
  let lo = 0;
  let hi = b.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    // `!` reads: mid < n ≤ BUCKET.
    const s = data[3 * mid]!;
    if (s < size || (s === size && data[3 * mid + 1]! < address)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A free list of one pool: block ids ordered by (size, address) — the order of the allocator's pool.blocks set — in
 * buckets of at most BUCKET, so an insert or a removal moves a bucket's worth of entries, not the whole list (a
 * Seq1F1B stage leaves ~1,000 free blocks).
 */
class FreeList {
  buckets: Bucket[] = [];
  /** Emptied buckets, reused before new ones are made. */
  private spare: Bucket[] = [];

  /** The bucket holding the first block not below (size, address), or the index past the last bucket. */
  private bucketOf(size: number, address: number): number {
    const { buckets } = this;
    let lo = 0;
    let hi = buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      // `!` reads: mid < buckets.length; buckets are never empty.
      const b = buckets[mid]!;
      const last = 3 * (b.n - 1);
      const s = b.data[last]!;
      if (s < size || (s === size && b.data[last + 1]! < address)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Removes and returns the smallest block of at least `size` bytes (the lowest address among equals), or −1. */
  takeAtLeast(size: number): number {
    const at = this.bucketOf(size, -1);
    const b = this.buckets[at];
    if (!b) return -1;
    const i = bucketLowerBound(b, size, -1);
    const id = b.data[3 * i + 2]!;
    this.removeFrom(at, i);
    return id;
  }

  insert(id: number, size: number, address: number): void {
    let at = this.bucketOf(size, address);
    if (at === this.buckets.length) at = Math.max(0, at - 1);
    if (this.buckets.length === 0) this.buckets.push(this.spare.pop() ?? newBucket());
    const b = this.buckets[at]!;
    const i = bucketLowerBound(b, size, address);
    const { data } = b;
    data.copyWithin(3 * i + 3, 3 * i, 3 * b.n);
    data[3 * i] = size;
    data[3 * i + 1] = address;
    data[3 * i + 2] = id;
    b.n++;
    if (b.n === BUCKET) {
      // Split a full bucket in two halves.
      const half = BUCKET / 2;
      const upper = this.spare.pop() ?? newBucket();
      upper.data.set(data.subarray(3 * half, 3 * BUCKET));
      upper.n = BUCKET - half;
      b.n = half;
      this.buckets.splice(at + 1, 0, upper);
    }
  }

  remove(size: number, address: number): void {
    const at = this.bucketOf(size, address);
    this.removeFrom(at, bucketLowerBound(this.buckets[at]!, size, address));
  }

  private removeFrom(at: number, i: number): void {
    const b = this.buckets[at]!;
    b.data.copyWithin(3 * i, 3 * i + 3, 3 * b.n);
    b.n--;
    if (b.n === 0) this.spare.push(...this.buckets.splice(at, 1));
  }

  /** Lists nothing, keeping the buckets for reuse. */
  clear(): void {
    for (const b of this.buckets) b.n = 0;
    this.spare.push(...this.buckets);
    this.buckets.length = 0;
  }

  /** Every listed block, for release_cached_blocks (which removes as it goes). */
  ids(): number[] {
    const all: number[] = [];
    for (const b of this.buckets) for (let i = 0; i < b.n; i++) all.push(b.data[3 * i + 2]!);
    return all;
  }
}

export class CachingAllocator {
  private sizes = new Float64Array(4096);
  private addresses = new Float64Array(4096);
  private prev = new Int32Array(4096);
  private next = new Int32Array(4096);
  private state = new Uint8Array(4096);
  private small = new Uint8Array(4096);
  private spareIds: number[] = [];
  private used = 0;
  private nextAddress = 0;
  /**
   * Free blocks that are a whole segment: all release_cached_blocks can give back. Kept so that a malloc that misses
   * near the capacity does not scan every free block when none of them could go (bounded work per miss).
   */
  private wholeFree = 0;
  private readonly largePool = new FreeList();
  private readonly smallPool = new FreeList();
  /** Bytes of all segments (torch.cuda.memory_reserved) and of all handed-out blocks (memory_allocated). */
  reservedBytes = 0;
  allocatedBytes = 0;
  peakReservedBytes = 0;
  peakAllocatedBytes = 0;
  /** Mallocs so far (the replay's measure of work). */
  calls = 0;
  /** An allocation found no room even after release_cached_blocks: a real run would stop with "CUDA out of memory". */
  outOfMemory = false;

  /** `capacityBytes`: what the device leaves the allocator (its memory less CUDA context and NCCL buffers). */
  constructor(private capacityBytes = Infinity) {}

  /**
   * A fresh device of `capacityBytes`, as a new allocator would be, keeping the block arrays and list buckets: a
   * replay after another allocates none (issue 13: fresh arrays for each of an analysis's replays cost ~10 % of a
   * Seq1F1B file's full analysis in garbage collection).
   */
  reset(capacityBytes = Infinity): void {
    this.capacityBytes = capacityBytes;
    this.spareIds.length = 0;
    this.used = 0;
    this.nextAddress = 0;
    this.wholeFree = 0;
    this.largePool.clear();
    this.smallPool.clear();
    this.reservedBytes = 0;
    this.allocatedBytes = 0;
    this.peakReservedBytes = 0;
    this.peakAllocatedBytes = 0;
    this.calls = 0;
    this.outOfMemory = false;
  }

  /** Allocates `bytes` and returns the block id (what a tensor's storage holds). */
  malloc(bytes: number): number {
    this.calls++;
    const size = roundedRequest(bytes);
    const isSmall = size <= SMALL_SIZE ? 1 : 0;
    const pool = isSmall ? this.smallPool : this.largePool;
    let id = pool.takeAtLeast(size);
    if (id >= 0 && this.prev[id]! < 0 && this.next[id]! < 0) this.wholeFree--;
    if (id < 0) {
      const segment = segmentBytes(size);
      if (this.reservedBytes + segment > this.capacityBytes) this.releaseCachedBlocks();
      if (this.reservedBytes + segment > this.capacityBytes) this.outOfMemory = true;
      id = this.newBlock(this.nextAddress, segment, isSmall);
      this.nextAddress += segment;
      this.reservedBytes += segment;
      if (this.reservedBytes > this.peakReservedBytes) this.peakReservedBytes = this.reservedBytes;
    }
    const remaining = this.sizes[id]! - size;
    if (isSmall ? remaining >= MIN_BLOCK : remaining > SMALL_SIZE) {
      const rest = this.newBlock(this.addresses[id]! + size, remaining, isSmall);
      const after = this.next[id]!;
      this.prev[rest] = id;
      this.next[rest] = after;
      if (after >= 0) this.prev[after] = rest;
      this.next[id] = rest;
      this.sizes[id] = size;
      pool.insert(rest, remaining, this.addresses[rest]!);
    }
    this.state[id] = USED;
    this.allocatedBytes += this.sizes[id]!;
    if (this.allocatedBytes > this.peakAllocatedBytes) this.peakAllocatedBytes = this.allocatedBytes;
    return id;
  }

  /** Frees a block from malloc: it merges with free neighbours of its segment and waits in its pool. */
  free(id: number): void {
    if (this.state[id] !== USED) throw new Error(`allocator model: block ${id} is not allocated`);
    const pool = this.small[id] === 1 ? this.smallPool : this.largePool;
    this.allocatedBytes -= this.sizes[id]!;
    this.state[id] = FREE;
    const after = this.next[id]!;
    if (after >= 0 && this.state[after] === FREE) {
      pool.remove(this.sizes[after]!, this.addresses[after]!);
      this.sizes[id] = this.sizes[id]! + this.sizes[after]!;
      this.link(id, this.next[after]!);
      this.dropBlock(after);
    }
    const before = this.prev[id]!;
    if (before >= 0 && this.state[before] === FREE) {
      pool.remove(this.sizes[before]!, this.addresses[before]!);
      this.sizes[before] = this.sizes[before]! + this.sizes[id]!;
      this.link(before, this.next[id]!);
      this.dropBlock(id);
      id = before;
    }
    if (this.prev[id]! < 0 && this.next[id]! < 0) this.wholeFree++;
    pool.insert(id, this.sizes[id]!, this.addresses[id]!);
  }

  /** release_cached_blocks: every free block that is a whole segment goes back to the device. */
  private releaseCachedBlocks(): void {
    if (this.wholeFree === 0) return;
    this.wholeFree = 0;
    for (const pool of [this.largePool, this.smallPool]) {
      for (const id of pool.ids()) {
        if (this.prev[id]! >= 0 || this.next[id]! >= 0) continue;
        pool.remove(this.sizes[id]!, this.addresses[id]!);
        this.reservedBytes -= this.sizes[id]!;
        this.dropBlock(id);
      }
    }
  }

  private link(first: number, after: number): void {
    this.next[first] = after;
    if (after >= 0) this.prev[after] = first;
  }

  private newBlock(address: number, size: number, isSmall: number): number {
    let id = this.spareIds.pop();
    if (id === undefined) {
      id = this.used++;
      if (id === this.sizes.length) this.grow();
    }
    this.addresses[id] = address;
    this.sizes[id] = size;
    this.prev[id] = -1;
    this.next[id] = -1;
    this.state[id] = FREE;
    this.small[id] = isSmall;
    return id;
  }

  private dropBlock(id: number): void {
    this.state[id] = SPARE;
    this.spareIds.push(id);
  }

  private grow(): void {
    const n = this.sizes.length * 2;
    const sizes = new Float64Array(n);
    sizes.set(this.sizes);
    const addresses = new Float64Array(n);
    addresses.set(this.addresses);
    const prev = new Int32Array(n);
    prev.set(this.prev);
    const next = new Int32Array(n);
    next.set(this.next);
    const state = new Uint8Array(n);
    state.set(this.state);
    const small = new Uint8Array(n);
    small.set(this.small);
    this.sizes = sizes;
    this.addresses = addresses;
    this.prev = prev;
    this.next = next;
    this.state = state;
    this.small = small;
  }
}
