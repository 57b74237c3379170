// The tail every launch format shares: resolve every RunConfig field, validate, and merge the diagnostics in
// document order so each root cause is reported once. The bash and YAML launches only differ in how they get
// their flag settings, world size and anchors.
import type { CoreDiagnostic, DialectId, EditContext, LaunchConfigRead, SourceRange } from '../types';
import type { OpenArgs } from '../megatron/rules/rule';
import type { Dialect } from '../megatron/flags/table';
import { toFlagOccurrences, type FlagSetting } from '../megatron/interpret';
import { emptyConfig, resolveConfig } from '../megatron/resolve';
import { validateConfig } from '../megatron/rules';
import type { WorldInfo } from '../megatron/world';
import { planFlagEdit } from '../edits/planFlagEdit';

export function notALaunch(format: 'bash' | 'yaml'): LaunchConfigRead {
  return {
    format,
    isLaunchConfig: false,
    commandRange: null,
    config: emptyConfig(),
    sources: {},
    flags: [],
    diagnostics: [],
  };
}

interface ReadParts {
  format: 'bash' | 'yaml';
  commandRange: SourceRange;
  /** Canonical flag name → last occurrence, and every occurrence in order. */
  settings: Map<string, FlagSetting>;
  occurrences: FlagSetting[];
  world: WorldInfo;
  /** The reader's own diagnostics, already deduplicated; the resolver checks `unresolved-value` against them. */
  readerDiagnostics: CoreDiagnostic[];
  /** Diagnostics reported before the world's, the resolver's and the rules' (the reader's and the interpreter's). */
  leadingDiagnostics: CoreDiagnostic[];
  /** Where a diagnostic about a missing flag goes. */
  anchor: SourceRange;
  cudaMaxConnections: { value: string | null; range: SourceRange } | undefined;
  /** The command-line rules apply (bash, functional-test YAML) rather than the --yaml-cfg ones. */
  yamlPath: boolean;
  editContext?: EditContext;
  /**
   * A NeMo 1.x YAML: NeMo builds Megatron-Core's TransformerConfig from it itself, so Megatron-LM's validate_args
   * (megatron/training/arguments.py) never runs — only the checks Megatron-Core makes hold.
   */
  nemo?: boolean;
  /** See ValidateContext.megatronEntry. */
  megatronEntry?: boolean;
  /** The dialect was fixed by the user or decided by strong evidence (see ValidateContext.dialectSure). */
  dialectSure?: boolean;
  /** Where more flags may reach the launch than the reader sees (`"$@"`, a sourced file it did not read). */
  runtimeArgs?: OpenArgs[];
  /** The entry script and the detected dialect, for the entry's args_defaults (resolve/derived/vocab.ts). */
  entry?: string | null;
  dialect?: DialectId;
  /** The detected dialect's release (Pai's backend snapshot), for the interleaved warm-up rule. */
  dialectVersion?: string;
}

/** Only a fork's own spelling says which code base runs; YAML keys mapped onto fork flags do not. */
export function dialectsOf(settings: Map<string, FlagSetting>, launcherDeepspeed: boolean): Set<Dialect> {
  const out = new Set<Dialect>();
  for (const s of settings.values()) if (s.spec.dialect && s.spelling.startsWith('--')) out.add(s.spec.dialect);
  if (launcherDeepspeed) out.add('deepspeed');
  return out;
}

/**
 * When flags may reach the launch from where the reader cannot look ("$@", a sourced file it did not read), a value
 * left at Megatron's default rests on those not setting it: checks built on it are then warnings (issue 12 §3).
 */
function markOpenDefaults(sources: LaunchConfigRead['sources'], open: readonly OpenArgs[]): void {
  const first = open[0];
  if (!first) return;
  const more = open.length > 1 ? ` (or ${open.length - 1} more such place${open.length > 2 ? 's' : ''})` : '';
  const assumption = `nothing in ${first.what}${more} sets the flags this file leaves out`;
  for (const source of Object.values(sources))
    if (source?.status === 'default') source.assumptions = [...(source.assumptions ?? []), assumption];
}

export function finishRead(text: string, parts: ReadParts, dialects: Set<Dialect>): LaunchConfigRead {
  const { format, settings, world } = parts;
  const { entry, dialect } = parts;
  const resolved = resolveConfig({
    settings,
    world,
    dialects,
    upstream: parts.readerDiagnostics,
    format,
    ...(entry !== undefined && { entry }),
    ...(dialect !== undefined && { dialect }),
    ...(parts.dialectVersion !== undefined && { dialectVersion: parts.dialectVersion }),
  });
  markOpenDefaults(resolved.sources, parts.runtimeArgs ?? []);
  const read: LaunchConfigRead = {
    format,
    isLaunchConfig: true,
    commandRange: parts.commandRange,
    config: resolved.config,
    sources: resolved.sources,
    flags: toFlagOccurrences(parts.occurrences),
    diagnostics: [],
  };
  if (parts.editContext) read.editContext = parts.editContext;
  const validation = validateConfig({
    read,
    settings,
    dialects,
    anchor: parts.anchor,
    cudaMaxConnections: parts.cudaMaxConnections,
    layoutStages: resolved.layoutStages,
    yamlPath: parts.yamlPath,
    runtimeArgs: parts.runtimeArgs ?? [],
    nemo: parts.nemo === true,
    dialect,
    dialectSure: parts.dialectSure === true,
    megatronEntry: parts.megatronEntry ?? null,
    planEdit: (flag, value) => planFlagEdit(text, read, flag, value),
  });
  read.diagnostics = sortDiagnostics([
    ...parts.leadingDiagnostics,
    ...world.diagnostics,
    ...resolved.diagnostics,
    ...validation,
  ]);
  return read;
}

/** Document order; diagnostics at the same position keep the order they were produced in. */
export function sortDiagnostics(ds: CoreDiagnostic[]): CoreDiagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort((x, y) => x.d.range.line - y.d.range.line || x.d.range.column - y.d.range.column || x.i - y.i)
    .map((x) => x.d);
}
