// The shape of a validation rule family and of the facts every rule reads. A family is one file under rules/
// (eslint's lib/rules and rust-analyzer's ide-diagnostics handlers keep one check per file the same way); the
// registry in index.ts lists the families and records, for each code, its default severity, its docs anchor and
// the Megatron code bases it is right for.
import type {
  CoreDiagnostic,
  CoreFix,
  ConfigKey,
  ConfigSources,
  DialectId,
  LaunchConfigRead,
  RunConfig,
  ScriptKind,
  Severity,
  SourceRange,
  TextEdit,
  ValueSource,
} from '../../types';
import type { Dialect } from '../flags/table';
import type { FlagSetting } from '../interpret';

/**
 * Where a check is right. Today every rule applies to every file (`dialects: 'all'`); the dialect issue narrows
 * codes to the code bases and Megatron-LM versions that really enforce them.
 */
export interface Applicability {
  /** Code bases whose argument checks include this one; 'all' = every dialect. */
  dialects: 'all' | readonly Dialect[];
  /** Megatron-LM release range (inclusive `since`, exclusive `until`, e.g. 'core_v0.13'); absent = every version. */
  versions?: { since?: string; until?: string };
  /**
   * The script kinds whose launches the check is right for (issue 12 §2): a batch or optimizer check means nothing
   * for a text-generation server, a converter's arguments are not Megatron's. Absent = every kind.
   */
  kinds?: readonly ScriptKind[];
}

const EVERY_DIALECT: Applicability = { dialects: 'all' };

export interface CodeInfo {
  code: string;
  /** Severity in the usual case; a rule may raise or lower it where the message says why (e.g. the YAML path). */
  severity: Severity;
  /** Anchor of the code's section in the user docs (docs/diagnostics.md). */
  docs: string;
  appliesTo: Applicability;
}

/** Shorthand for the registry: a code documented under its own name that applies everywhere. */
export function code(name: string, severity: Severity): CodeInfo {
  return { code: name, severity, docs: `diagnostics.md#${name}`, appliesTo: EVERY_DIALECT };
}

export interface Rule {
  /** The family, as the file is named (`batch`, `experts`, …). */
  family: string;
  codes: readonly CodeInfo[];
  check(ctx: RuleContext): void;
}

/** A place more flags may come from than the reader can see, said as the end of "… must add them". */
export interface OpenArgs {
  range: SourceRange;
  /** E.g. `the script's own arguments ("$@" on line 12)`. */
  what: string;
}

export interface ValidateContext {
  read: LaunchConfigRead;
  settings: Map<string, FlagSetting>;
  dialects: Set<Dialect>;
  /** Where a diagnostic about a missing flag goes (the entry script, or the YAML document start). */
  anchor: SourceRange;
  /** CUDA_DEVICE_MAX_CONNECTIONS as the script leaves it: undefined = not set in the file. */
  cudaMaxConnections: { value: string | null; range: SourceRange } | undefined;
  layoutStages: string[] | null;
  yamlPath: boolean;
  /** The code base that reads the file (read/dialect.ts, or the user's override), when known. */
  dialect: DialectId | undefined;
  /**
   * The dialect is fixed by the user or by strong evidence (a fork's own flag, launcher or path) — not only by an
   * entry script every fork shares. A check only some Megatrons make is an error only then.
   */
  dialectSure: boolean;
  /**
   * The entry script is one of the Megatron family's own (pretrain_*.py, tasks/main.py, a fork's train.py), so its
   * arguments go through Megatron's parser; a project's own trainer may parse its own. Null: no entry (YAML).
   */
  megatronEntry: boolean | null;
  /** NeMo 1.x YAML: Megatron-LM's validate_args does not run, only Megatron-Core's own checks (see finishRead). */
  nemo: boolean;
  /** Where more flags may reach the launch than the reader sees: a flag missing here may arrive at run time. */
  runtimeArgs: OpenArgs[];
  /** Plans the edits that set (or, with null, remove) a flag in this file; rules never write text themselves. */
  planEdit: (flag: string, value: string | null) => TextEdit[];
}

export const positive = (x: number | null): x is number => x !== null && x > 0;

export function divisors(n: number, limit = 12): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n && out.length < limit; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Nearest multiples of `unit` below (≥ unit) and above `value`. */
export function nearestMultiples(value: number, unit: number): { down: number | null; up: number } {
  const down = Math.floor(value / unit) * unit;
  return {
    down: down >= unit ? down : null,
    up: Math.ceil(value / unit) * unit === value ? value + unit : Math.ceil(value / unit) * unit,
  };
}

type Related = { message: string; range: SourceRange }[];

/** "a", "a and b", "a, b and c" — at most three, then "and N more". */
function listed(items: readonly string[]): string {
  const shown = items.slice(0, 3);
  const more = items.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1) ?? ''}` : (shown[0] ?? '');
}

/** What a rule sees: the resolved config with sources, the flag settings, and helpers that place diagnostics. */
export class RuleContext {
  readonly out: CoreDiagnostic[] = [];
  readonly cfg: RunConfig;
  readonly src: ConfigSources;
  readonly settings: Map<string, FlagSetting>;

  /** Config fields and flags this rule has read so far: what its diagnostics rest on. */
  private readonly readKeys = new Set<string>();
  private readonly readFlags = new Set<string>();

  constructor(readonly input: ValidateContext) {
    // Reads go through proxies that note what each rule looked at, so a diagnostic built on a value the file does
    // not fix (ValueSource.assumptions) is lowered from error to warning without every rule having to ask.
    const readKeys = this.readKeys;
    const readFlags = this.readFlags;
    this.cfg = new Proxy(input.read.config, {
      get(target, key, receiver) {
        if (typeof key === 'string') readKeys.add(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    this.src = input.read.sources;
    const settings = input.settings;
    this.settings = new Proxy(settings, {
      get(target, key) {
        if (key === 'get' || key === 'has')
          return (flag: string) => {
            readFlags.add(flag);
            return key === 'get' ? target.get(flag) : target.has(flag);
          };
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** What the values read so far rest on that the file does not fix, each once. */
  private assumptions(): string[] {
    const out = new Set<string>();
    for (const k of this.readKeys) for (const a of this.src[k as ConfigKey]?.assumptions ?? []) out.add(a);
    for (const f of this.readFlags) for (const a of this.input.settings.get(f)?.assumptions ?? []) out.add(a);
    return [...out];
  }

  /** The value was written in the file (directly, or derived from a flag that was). */
  explicit(key: ConfigKey): boolean {
    const s = this.src[key];
    return s?.status === 'explicit' || (s?.status === 'derived' && !!s.range);
  }

  /** Where to report about a field: its value, its flag, else the anchor. */
  at(key: ConfigKey): SourceRange {
    const s = this.src[key];
    return s?.valueRange ?? s?.range ?? this.input.anchor;
  }

  flagRange(flag: string): SourceRange | null {
    const s = this.settings.get(flag);
    return s ? (s.valueRange ?? s.range) : null;
  }

  /** Related locations for the other inputs of a check, and the variables they came through. */
  rel(...items: [ConfigKey, string][]): Related {
    const r: Related = [];
    for (const [key, label] of items) {
      const s: ValueSource | undefined = this.src[key];
      if (!s) continue;
      if (s.range) r.push({ message: `${label}: ${String(this.cfg[key])}`, range: s.valueRange ?? s.range });
      for (const o of s.origins ?? []) r.push({ message: `${label} comes from ${o.name}`, range: o.range });
    }
    return r;
  }

  fix(title: string, flag: string, value: string | null, preferred = false): CoreFix | null {
    const edits = this.input.planEdit(flag, value);
    if (!edits.length) return null;
    return preferred ? { title, edits, preferred } : { title, edits };
  }

  fixes(...f: (CoreFix | null)[]): CoreFix[] | undefined {
    const list = f.filter((x): x is CoreFix => x !== null);
    return list.length ? list : undefined;
  }

  /** Adds a diagnostic; empty `related` / `fixes` are left out. */
  push(
    d: Omit<CoreDiagnostic, 'related' | 'fixes'> & { related?: Related | undefined; fixes?: CoreFix[] | undefined },
  ): void {
    const { related, fixes, ...rest } = d;
    const out: CoreDiagnostic = rest;
    // Issue 12 §3: what depends on the environment, a script argument or a blind branch is never an error.
    const assumed = out.severity === 'error' ? this.assumptions() : [];
    if (assumed.length) {
      out.severity = 'warning';
      out.message = `${out.message} (not certain: this holds only if ${listed(assumed)})`;
    }
    if (related?.length) out.related = related;
    if (fixes?.length) out.fixes = fixes;
    this.out.push(out);
  }

  // ── Facts several families share ──

  /** Embedding/loss counted as pipeline layers. */
  get accountedLayers(): number {
    return (this.cfg.accountForEmbeddingInPipelineSplit ? 1 : 0) + (this.cfg.accountForLossInPipelineSplit ? 1 : 0);
  }
  get unevenPipeline(): boolean {
    return this.cfg.decoderFirstPipelineNumLayers !== null || this.cfg.decoderLastPipelineNumLayers !== null;
  }
  /** The virtual-pipeline flags the file gives (more than one is a conflict). */
  get vppFlags(): string[] {
    return [
      '--num-layers-per-virtual-pipeline-stage',
      '--num-virtual-stages-per-pipeline-rank',
      '--pipeline-model-parallel-layout',
    ].filter((f) => this.settings.has(f));
  }
  /** The interleaved schedule is on (or may be: v unknown). */
  get vppOn(): boolean {
    const v = this.cfg.virtualStages;
    return this.vppFlags.length > 0 && (v === null || v > 1);
  }
  get moe(): boolean {
    const { numExperts: E, expertParallel: e } = this.cfg;
    return positive(E) || (positive(e) && e > 1);
  }
}
