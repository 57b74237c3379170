// Packs one schedule's timeline (SimResult) and memory series (StageMemory[]) into ONE ArrayBuffer plus a small
// JSON-able layout, and unpacks it on the other side. VS Code transfers ArrayBuffers in postMessage without
// JSON-encoding them (engines ≥ 1.57), so 100k ops cross as ~4 MB of bytes instead of ~15 MB of JSON objects.
// Shared by the extension host, the CLI report and the webview: no vscode, no DOM, no Node imports.
import type { PackedOps, SimResult, StageMemory } from '../core/types';
import { COLLECTIVE_KINDS, OP_KINDS } from './opKinds';

/** Element type of a section; fixed per section name so a forged layout cannot reinterpret bytes. */
type SectionType = 'f64' | 'i32' | 'u16' | 'u8';

const SECTION_TYPES = {
  start: 'f64',
  end: 'f64',
  p2pStart: 'f64',
  p2pEnd: 'f64',
  busy: 'f64',
  memTimeMs: 'f64',
  memBytes: 'f64',
  collStart: 'f64',
  collEnd: 'f64',
  stageOffsets: 'i32',
  microbatch: 'i32',
  peakUnits: 'i32',
  memOffsets: 'i32',
  chunk: 'u16',
  modelChunk: 'u16',
  kind: 'u8',
  collMicrobatch: 'i32',
  collKind: 'u8',
} as const satisfies Record<string, SectionType>;

export type SectionName = keyof typeof SECTION_TYPES;
const SECTION_NAMES = Object.keys(SECTION_TYPES) as SectionName[];

const BYTES: Record<SectionType, number> = { f64: 8, i32: 4, u16: 2, u8: 1 };

/** Where each section sits in the buffer: byte offset and element count. */
export interface PackedLayout {
  opCount: number;
  stages: number;
  byteLength: number;
  sections: Record<SectionName, { offset: number; length: number }>;
}

/**
 * Collectives of a run (D, issue 18: Vocabulary Parallelism's broadcast and all-reduce barriers), drawn in the strip
 * under every lane: kind is a row of opKinds.ts COLLECTIVE_KINDS; in any order. Empty for the other schedules.
 */
export interface Collectives {
  collKind: Uint8Array;
  collMicrobatch: Int32Array;
  collStart: Float64Array;
  collEnd: Float64Array;
}

/** What packTimeline packs: a simulated schedule's ops, or a run converted to them (vocabTimeline.ts). */
export type PackSource = PackedOps & Pick<SimResult, 'busy' | 'peakUnits'>;

const NO_COLLECTIVES: Collectives = {
  collKind: new Uint8Array(0),
  collMicrobatch: new Int32Array(0),
  collStart: new Float64Array(0),
  collEnd: new Float64Array(0),
};

/** The unpacked view: typed arrays over the received buffer (no copies). */
export interface TimelineArrays extends PackedOps, Collectives {
  stages: number;
  busy: Float64Array;
  peakUnits: Int32Array;
  /** Memory series of stage r: memTimeMs/memBytes[memOffsets[r] .. memOffsets[r+1]); empty when no memory model ran. */
  memOffsets: Int32Array;
  memTimeMs: Float64Array;
  memBytes: Float64Array;
}

type AnyArray = Float64Array | Int32Array | Uint16Array | Uint8Array;

export function packTimeline(
  sim: PackSource,
  memory: StageMemory[] | undefined,
  collectives: Collectives = NO_COLLECTIVES,
): { layout: PackedLayout; buffer: ArrayBuffer } {
  const stages = sim.stageOffsets.length - 1;
  const memOffsets = new Int32Array(stages + 1);
  let memPoints = 0;
  for (let r = 0; r < stages; r++) {
    memOffsets[r] = memPoints;
    const m = memory?.find((s) => s.stage === r);
    memPoints += m ? Math.min(m.series.timeMs.length, m.series.bytes.length) : 0;
  }
  memOffsets[stages] = memPoints;
  const memTimeMs = new Float64Array(memPoints);
  const memBytes = new Float64Array(memPoints);
  for (let r = 0; r < stages; r++) {
    const m = memory?.find((s) => s.stage === r);
    if (!m) continue;
    // memOffsets has stages + 1 entries, filled above.
    const from = memOffsets[r]!;
    const n = memOffsets[r + 1]! - from;
    memTimeMs.set(m.series.timeMs.subarray(0, n), from);
    memBytes.set(m.series.bytes.subarray(0, n), from);
  }
  const n = sim.opCount;
  const source: Record<SectionName, AnyArray> = {
    start: sim.start.subarray(0, n),
    end: sim.end.subarray(0, n),
    p2pStart: sim.p2pStart.subarray(0, n),
    p2pEnd: sim.p2pEnd.subarray(0, n),
    busy: sim.busy,
    memTimeMs,
    memBytes,
    collStart: collectives.collStart,
    collEnd: collectives.collEnd,
    stageOffsets: sim.stageOffsets,
    microbatch: sim.microbatch.subarray(0, n),
    peakUnits: sim.peakUnits,
    memOffsets,
    chunk: sim.chunk.subarray(0, n),
    modelChunk: sim.modelChunk.subarray(0, n),
    kind: sim.kind.subarray(0, n),
    collMicrobatch: collectives.collMicrobatch,
    collKind: collectives.collKind,
  };
  // Sections in declaration order, widest element first, each aligned to 8 so every typed-array view is legal.
  const sections = {} as PackedLayout['sections'];
  let offset = 0;
  for (const name of SECTION_NAMES) {
    offset = align8(offset);
    sections[name] = { offset, length: source[name].length };
    offset += source[name].byteLength;
  }
  const byteLength = align8(offset);
  const buffer = new ArrayBuffer(byteLength);
  for (const name of SECTION_NAMES) {
    const src = source[name];
    new Uint8Array(buffer, sections[name].offset, src.byteLength).set(
      new Uint8Array(src.buffer, src.byteOffset, src.byteLength),
    );
  }
  return { layout: { opCount: n, stages, byteLength, sections }, buffer };
}

/**
 * Views over a received buffer. Returns a reason string instead of throwing when the layout does not fit the
 * buffer or the arrays are inconsistent: the webview must survive a corrupt or hostile message.
 */
export function unpackTimeline(layout: unknown, buffer: unknown): TimelineArrays | string {
  if (!(buffer instanceof ArrayBuffer)) return 'timeline buffer is not an ArrayBuffer';
  if (!isObject<'opCount' | 'stages' | 'sections'>(layout)) return 'timeline layout is not an object';
  const { opCount, stages, sections } = layout;
  if (!isCount(opCount) || !isCount(stages) || stages < 1) return 'bad opCount/stages';
  if (!isObject<SectionName>(sections)) return 'missing sections';
  const views = {} as Record<SectionName, AnyArray>;
  for (const name of SECTION_NAMES) {
    const s = sections[name];
    if (!isObject<'offset' | 'length'>(s) || !isCount(s.offset) || !isCount(s.length)) return `bad section ${name}`;
    const type = SECTION_TYPES[name];
    if (s.offset % BYTES[type] !== 0 || s.offset + s.length * BYTES[type] > buffer.byteLength)
      return `section ${name} out of bounds`;
    views[name] = makeView(type, buffer, s.offset, s.length);
  }
  const t = views as unknown as Omit<TimelineArrays, 'opCount' | 'stages'>;
  for (const name of ['kind', 'microbatch', 'chunk', 'modelChunk', 'start', 'end', 'p2pStart', 'p2pEnd'] as const) {
    if (t[name].length !== opCount) return `section ${name} has ${t[name].length} elements, expected ${opCount}`;
  }
  if (t.stageOffsets.length !== stages + 1 || t.memOffsets.length !== stages + 1)
    return 'offset arrays do not match stage count';
  if (t.busy.length !== stages || t.peakUnits.length !== stages) return 'per-stage arrays do not match stage count';
  if (!isMonotonicOffsets(t.stageOffsets, opCount)) return 'stageOffsets not monotonic from 0 to opCount';
  if (!isMonotonicOffsets(t.memOffsets, t.memTimeMs.length) || t.memBytes.length !== t.memTimeMs.length)
    return 'memOffsets inconsistent';
  // Every op array was checked above to hold exactly opCount elements.
  for (let i = 0; i < opCount; i++) {
    if (t.kind[i]! >= OP_KINDS.length || !(t.end[i]! >= t.start[i]!)) return `op ${i} has a bad kind or end < start`;
  }
  const n = t.collKind.length;
  if (t.collMicrobatch.length !== n || t.collStart.length !== n || t.collEnd.length !== n)
    return 'collective sections differ in length';
  for (let i = 0; i < n; i++) {
    if (t.collKind[i]! >= COLLECTIVE_KINDS.length || !(t.collEnd[i]! >= t.collStart[i]!))
      return `collective ${i} has a bad kind or end < start`;
  }
  return { opCount, stages, ...t };
}

function makeView(type: SectionType, buffer: ArrayBuffer, offset: number, length: number): AnyArray {
  switch (type) {
    case 'f64':
      return new Float64Array(buffer, offset, length);
    case 'i32':
      return new Int32Array(buffer, offset, length);
    case 'u16':
      return new Uint16Array(buffer, offset, length);
    case 'u8':
      return new Uint8Array(buffer, offset, length);
  }
}

function isMonotonicOffsets(a: Int32Array, total: number): boolean {
  if (a[0] !== 0 || a[a.length - 1] !== total) return false;
  for (let i = 1; i < a.length; i++) if (a[i]! < a[i - 1]!) return false;
  return true;
}

const align8 = (n: number): number => (n + 7) & ~7;
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < 2 ** 31;
/** An untrusted object whose named fields are read only after a check (see the same type in messages.ts). */
function isObject<K extends string>(x: unknown): x is { readonly [P in K]?: unknown } {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
