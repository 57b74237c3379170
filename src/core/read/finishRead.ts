// The tail every launch format shares: resolve every RunConfig field, validate, and merge the diagnostics in
// document order so each root cause is reported once. The bash and YAML launches only differ in how they get
// their flag settings, world size and anchors.
import type { CoreDiagnostic, EditContext, LaunchConfigRead, SourceRange } from '../types';
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
}

/** Only a fork's own spelling says which code base runs; YAML keys mapped onto fork flags do not. */
export function dialectsOf(settings: Map<string, FlagSetting>, launcherDeepspeed: boolean): Set<Dialect> {
  const out = new Set<Dialect>();
  for (const s of settings.values()) if (s.spec.dialect && s.spelling.startsWith('--')) out.add(s.spec.dialect);
  if (launcherDeepspeed) out.add('deepspeed');
  return out;
}

export function finishRead(text: string, parts: ReadParts, dialects: Set<Dialect>): LaunchConfigRead {
  const { format, settings, world } = parts;
  const resolved = resolveConfig({ settings, world, dialects, upstream: parts.readerDiagnostics, format });
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
