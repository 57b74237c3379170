// The typed message protocol between the extension host (src/panel) and the timeline webview (webview/).
// Shared by both sides, so no vscode, DOM or Node imports. Every message carries `protocolVersion`; the webview
// sends `ready` first and the host sends nothing before it (messages to a not-yet-loaded webview are lost).
// Both directions are validated at runtime: the webview is a web page, and a page can be made to post anything.
import type { RunSummary } from './summary';
import {
  SCHEDULE_NAMES,
  type ScheduleEvaluation,
  type ScheduleName,
  type SplitStrategy,
  type VocabParallelFigures,
} from '../core/types';
import type { PackedLayout } from './pack';
import { isMeasuredPayload, type MeasuredPayload } from './measured';

export const PROTOCOL_VERSION = 1;

export const TABS = ['timeline', 'memory', 'compare'] as const;
export type Tab = (typeof TABS)[number];

export const STRATEGIES: readonly SplitStrategy[] = ['average', 'uniform_comp'];

/**
 * k values of the Compare view's sweep, in the panel (the webview asks for them) and in the standalone report (the
 * host sends them unasked). Wider than the candidate splits: the sweep shows where larger k stops paying off; the
 * host marks the k a model cannot be split into as not applicable.
 */
export const SWEEP_SPLITS: readonly number[] = [1, 2, 4, 8, 16];

/** What-if knobs of the controls; all optional (absent = as configured in the file). */
export interface WhatIfOverrides {
  schedule?: ScheduleName;
  splits?: number;
  strategy?: SplitStrategy;
  microbatches?: number;
  gpuId?: string;
}

/** One schedule's summary; `timeline` indexes into AnalysisMessage.buffers when a simulated timeline exists. */
export interface ScheduleHeader extends Pick<
  ScheduleEvaluation,
  | 'schedule'
  | 'applicable'
  | 'reason'
  | 'splits'
  | 'virtualStages'
  | 'whatIf'
  | 'stepTimeMs'
  | 'bubbleFraction'
  | 'tokensPerSecond'
  | 'peakMemoryGiBPerStage'
  | 'peakReservedGiBPerStage'
  | 'stepTimeBreakdown'
  | 'oom'
> {
  /** E (issue 18): the vocabulary-parallel figures; the run itself travels packed, as `vocabTimeline`. */
  vocabParallel?: Omit<VocabParallelFigures, 'run' | 'durations'>;
  /** D (issue 18): the vocabulary-parallel run's timeline (vocabTimeline.ts), indexing AnalysisMessage.buffers. */
  vocabTimeline?: { bufferIndex: number; layout: PackedLayout } | null;
  /** Per-stage breakdown at the stage's peak, GiB (from StageMemory.breakdownBytes), when the memory model ran. */
  stageBreakdownGiB: Record<string, number>[] | null;
  timeline: { bufferIndex: number; layout: PackedLayout; microbatches: number } | null;
}

export interface AnalysisHeader {
  fileName: string;
  gpu: { id: string; name: string; memoryGiB: number };
  gpus: { id: string; name: string }[];
  selectedSchedule: ScheduleName | null;
  config: {
    stages: number | null;
    microbatches: number | null;
    splits: number | null;
    strategy: SplitStrategy | null;
    virtualStages: number | null;
  };
  schedules: ScheduleHeader[];
  /** Overrides that produced this analysis (empty for the file as written). */
  overrides: WhatIfOverrides;
  /** Whether the panel can write controls back to the file (false in the standalone report). */
  canApply: boolean;
  canWhatIf: boolean;
  /**
   * B (issue 17): the configured schedule's figures as every other surface shows them (worst stage reserved and
   * allocated GiB, capacity, headroom, step time, tokens/s, bubble); null when it was not simulated.
   */
  summary: RunSummary | null;
  /** E2 (issue 19): a linked profiler trace's spans and training log's memory; absent or null when none is linked. */
  measured?: MeasuredPayload | null;
}

export interface SweepPoint {
  strategy: SplitStrategy;
  splits: number;
  stepTimeMs: number | null;
  peakGiB: number | null;
  oom: boolean | null;
}

// ─── Host → webview ───────────────────────────────────────────────────────────────────────────────

interface Base {
  protocolVersion: typeof PROTOCOL_VERSION;
}

export interface AnalysisMessage extends Base {
  type: 'analysis';
  header: AnalysisHeader;
  /** One ArrayBuffer per schedule with a timeline (see pack.ts). */
  buffers: ArrayBuffer[];
}
export interface NoAnalysisMessage extends Base {
  type: 'noAnalysis';
  reason: string;
}
export interface SweepMessage extends Base {
  type: 'sweep';
  requestId: number;
  schedule: ScheduleName;
  points: SweepPoint[];
}
export interface ShowTabMessage extends Base {
  type: 'showTab';
  tab: Tab;
}
export interface NoticeMessage extends Base {
  type: 'notice';
  level: 'info' | 'error';
  text: string;
}

export type HostToWebview = AnalysisMessage | NoAnalysisMessage | SweepMessage | ShowTabMessage | NoticeMessage;

// ─── Webview → host ───────────────────────────────────────────────────────────────────────────────

export interface ReadyMessage extends Base {
  type: 'ready';
}
export interface WhatIfMessage extends Base {
  type: 'whatIf';
  overrides: WhatIfOverrides;
}
export interface SweepRequestMessage extends Base {
  type: 'requestSweep';
  requestId: number;
  schedule: ScheduleName;
  splits: readonly number[];
}
export interface ApplyMessage extends Base {
  type: 'applyToFile';
  overrides: WhatIfOverrides;
}
export interface ExportTraceMessage extends Base {
  type: 'exportTrace';
  schedule: ScheduleName | null;
}
export interface SavePngMessage extends Base {
  type: 'savePng';
  pngBase64: string;
}

export type WebviewToHost =
  ReadyMessage | WhatIfMessage | SweepRequestMessage | ApplyMessage | ExportTraceMessage | SavePngMessage;

/** Limits that keep a hostile webview from making the host do unbounded work. */
export const LIMITS = {
  maxSweepPoints: 16,
  maxSplits: 256,
  maxMicrobatches: 1 << 16,
  /** Base64 of a PNG of a 8k×4k canvas fits well below this. */
  maxPngBase64Chars: 48 * 1024 * 1024,
  maxGpuIdChars: 64,
} as const;

const SCHEDULES: readonly string[] = SCHEDULE_NAMES;

/**
 * An object from the other side before validation: only the named fields are read, and each is `unknown` until a
 * guard has checked it. Naming the fields (rather than an index signature) keeps a typo in a guard a type error.
 */
type Untrusted<K extends string> = { readonly [P in K]?: unknown };

function isObject<K extends string>(x: unknown): x is Untrusted<K> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
const isInt = (x: unknown, min: number, max: number): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
const isSchedule = (x: unknown): x is ScheduleName => typeof x === 'string' && SCHEDULES.includes(x);
const hasOnlyKeys = (o: object, keys: readonly string[]): boolean => Object.keys(o).every((k) => keys.includes(k));

const OVERRIDE_KEYS = ['schedule', 'splits', 'strategy', 'microbatches', 'gpuId'] as const;

export function isWhatIfOverrides(x: unknown): x is WhatIfOverrides {
  if (!isObject<(typeof OVERRIDE_KEYS)[number]>(x) || !hasOnlyKeys(x, OVERRIDE_KEYS)) return false;
  if (x.schedule !== undefined && !isSchedule(x.schedule)) return false;
  if (x.splits !== undefined && !isInt(x.splits, 1, LIMITS.maxSplits)) return false;
  if (x.strategy !== undefined && !(STRATEGIES as readonly unknown[]).includes(x.strategy)) return false;
  if (x.microbatches !== undefined && !isInt(x.microbatches, 1, LIMITS.maxMicrobatches)) return false;
  // GPU ids are looked up in a fixed table, never used as paths; the pattern only bounds what we log.
  if (
    x.gpuId !== undefined &&
    !(typeof x.gpuId === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(x.gpuId) && x.gpuId.length <= LIMITS.maxGpuIdChars)
  )
    return false;
  return true;
}

type WebviewToHostField = 'type' | 'protocolVersion' | 'overrides' | 'requestId' | 'schedule' | 'splits' | 'pngBase64';

/** Runtime guard for everything the host accepts from the webview; anything else is rejected and logged. */
export function isWebviewToHost(msg: unknown): msg is WebviewToHost {
  if (!isObject<WebviewToHostField>(msg) || msg.protocolVersion !== PROTOCOL_VERSION || typeof msg.type !== 'string')
    return false;
  switch (msg.type) {
    case 'ready':
      return hasOnlyKeys(msg, ['type', 'protocolVersion']);
    case 'whatIf':
    case 'applyToFile':
      return hasOnlyKeys(msg, ['type', 'protocolVersion', 'overrides']) && isWhatIfOverrides(msg.overrides);
    case 'requestSweep':
      return (
        hasOnlyKeys(msg, ['type', 'protocolVersion', 'requestId', 'schedule', 'splits']) &&
        isInt(msg.requestId, 0, Number.MAX_SAFE_INTEGER) &&
        isSchedule(msg.schedule) &&
        Array.isArray(msg.splits) &&
        msg.splits.length >= 1 &&
        msg.splits.length <= LIMITS.maxSweepPoints &&
        msg.splits.every((k) => isInt(k, 1, LIMITS.maxSplits))
      );
    case 'exportTrace':
      return (
        hasOnlyKeys(msg, ['type', 'protocolVersion', 'schedule']) && (msg.schedule === null || isSchedule(msg.schedule))
      );
    case 'savePng':
      return (
        hasOnlyKeys(msg, ['type', 'protocolVersion', 'pngBase64']) &&
        typeof msg.pngBase64 === 'string' &&
        msg.pngBase64.length > 0 &&
        msg.pngBase64.length <= LIMITS.maxPngBase64Chars &&
        /^[A-Za-z0-9+/]+={0,2}$/.test(msg.pngBase64)
      );
    default:
      return false;
  }
}

type HostToWebviewField =
  | 'type'
  | 'protocolVersion'
  | 'header'
  | 'buffers'
  | 'reason'
  | 'requestId'
  | 'schedule'
  | 'points'
  | 'tab'
  | 'level'
  | 'text';
type HeaderField = 'fileName' | 'gpu' | 'gpus' | 'schedules' | 'config' | 'selectedSchedule' | 'overrides' | 'measured';

/** The analysis header's shape; the timeline index must point at one of the message's `bufferCount` buffers. */
function isAnalysisHeader(h: unknown, bufferCount: number): boolean {
  if (!isObject<HeaderField>(h)) return false;
  if (
    typeof h.fileName !== 'string' ||
    !isObject(h.gpu) ||
    !Array.isArray(h.gpus) ||
    !Array.isArray(h.schedules) ||
    !isObject(h.config)
  )
    return false;
  if (h.selectedSchedule !== null && !isSchedule(h.selectedSchedule)) return false;
  if (!isWhatIfOverrides(h.overrides)) return false;
  if (h.measured !== undefined && !isMeasuredPayload(h.measured)) return false;
  const isBufferRef = (t: unknown): boolean => isObject<'bufferIndex'>(t) && isInt(t.bufferIndex, 0, bufferCount - 1);
  return h.schedules.every(
    (s) =>
      isObject<'schedule' | 'applicable' | 'timeline' | 'vocabTimeline'>(s) &&
      isSchedule(s.schedule) &&
      typeof s.applicable === 'boolean' &&
      (s.timeline === null || isBufferRef(s.timeline)) &&
      (s.vocabTimeline === undefined || s.vocabTimeline === null || isBufferRef(s.vocabTimeline)),
  );
}

/**
 * Shallow guard for what the webview accepts. The packed buffers are checked in depth by unpackTimeline when
 * they are used, so a corrupt timeline costs one schedule, not the panel.
 */
export function isHostToWebview(msg: unknown): msg is HostToWebview {
  if (!isObject<HostToWebviewField>(msg) || msg.protocolVersion !== PROTOCOL_VERSION || typeof msg.type !== 'string')
    return false;
  switch (msg.type) {
    case 'analysis':
      return (
        Array.isArray(msg.buffers) &&
        msg.buffers.every((b) => b instanceof ArrayBuffer) &&
        isAnalysisHeader(msg.header, msg.buffers.length)
      );
    case 'noAnalysis':
      return typeof msg.reason === 'string';
    case 'sweep':
      return (
        isInt(msg.requestId, 0, Number.MAX_SAFE_INTEGER) &&
        isSchedule(msg.schedule) &&
        Array.isArray(msg.points) &&
        msg.points.every((p) => isObject<'splits'>(p) && isInt(p.splits, 1, LIMITS.maxSplits))
      );
    case 'showTab':
      return (TABS as readonly unknown[]).includes(msg.tab);
    case 'notice':
      return (msg.level === 'info' || msg.level === 'error') && typeof msg.text === 'string';
    default:
      return false;
  }
}
