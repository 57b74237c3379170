// Assembles a LaunchConfigRead from the bash reader's output or from YAML: pick the invocation, interpret its
// arguments, work out the world size, resolve every RunConfig field, validate, and merge the diagnostics so
// each root cause is reported once.
import type { BashReadResult, LaunchInvocation, ShellWord } from '../bash/types';
import type { CoreDiagnostic, LaunchConfigRead, SourceRange } from '../types';
import { flagSpec, lookupFlag, type Dialect } from './flags';
import { interpretArgs, toFlagOccurrences, type FlagSetting } from './interpret';
import { emptyConfig, resolveConfig } from './resolve';
import { resolveWorld, worldFromCounts, type WorldInfo } from './world';
import { validateConfig } from './validate';
import { registerEditContext } from './edits';
import { overlaps, sameRange } from './util';
import { readYaml } from '../yaml/reader';

/** Flags that only a Megatron-style training launch passes; one of them makes an arbitrary python command count. */
const SIGNATURE_FLAGS = new Set([
  '--tensor-model-parallel-size', '--pipeline-model-parallel-size', '--num-layers', '--hidden-size', '--num-attention-heads',
  '--micro-batch-size', '--global-batch-size', '--seq-length', '--max-position-embeddings', '--pipe-sp-splits',
  '--context-parallel-size', '--expert-model-parallel-size', '--yaml-cfg',
]);

export function notALaunch(format: 'bash' | 'yaml'): LaunchConfigRead {
  return { format, isLaunchConfig: false, commandRange: null, config: emptyConfig(), sources: {}, flags: [], diagnostics: [] };
}

export function looksLikeMegatron(inv: LaunchInvocation): boolean {
  const entry = inv.entry.text ?? '';
  if (/(^|\/)pretrain_\w+\.py$/.test(entry) || /(^|\/)(train|finetune)\w*\.py$/.test(entry) && inv.args.some(isSignature)) return true;
  return inv.args.some(isSignature);
}

function isSignature(w: ShellWord): boolean {
  const t = w.text ?? w.knownPrefix ?? '';
  if (!t.startsWith('--')) return false;
  const name = t.includes('=') ? t.slice(0, t.indexOf('=')) : t;
  const found = lookupFlag(name);
  return !!found && SIGNATURE_FLAGS.has(found.spec.name);
}

/**
 * The launch we analyse: among Megatron-looking invocations, the last one not inside an undecidable branch
 * (scripts often end with the real run after setup commands), else the last one.
 */
export function pickInvocation(invocations: LaunchInvocation[]): LaunchInvocation | null {
  const candidates = invocations.filter(looksLikeMegatron);
  if (!candidates.length) return null;
  const unconditional = candidates.filter((c) => !c.conditional);
  return (unconditional.length ? unconditional : candidates)[(unconditional.length ? unconditional : candidates).length - 1];
}

function dialectsOf(settings: Map<string, FlagSetting>, launcherDeepspeed: boolean): Set<Dialect> {
  const out = new Set<Dialect>();
  // Only a fork's own spelling says which code base runs; YAML keys mapped onto fork flags do not.
  for (const s of settings.values()) if (s.spec.dialect && s.spelling.startsWith('--')) out.add(s.spec.dialect);
  if (launcherDeepspeed) out.add('deepspeed');
  return out;
}

function supersede(bashDiagnostics: CoreDiagnostic[], world: WorldInfo): CoreDiagnostic[] {
  return bashDiagnostics.filter((d) => !(d.code === 'unresolved-value' && world.supersededRanges.some((r) => overlaps(r, d.range))));
}

export function readBashLaunch(text: string, bash: BashReadResult): LaunchConfigRead {
  const inv = pickInvocation(bash.invocations);
  if (!inv) return notALaunch('bash');
  const deepspeedLaunch = inv.launchers.some((l) => l.kind === 'deepspeed') || inv.args.some((w) => /^--(deepspeed|deepspeed[_-]config|zero[_-]stage)(=|$)/.test(w.text ?? w.knownPrefix ?? ''));
  const interpreted = interpretArgs(inv.args, { lenientChoices: deepspeedLaunch });
  const world = resolveWorld(inv, bash);
  const dialects = dialectsOf(interpreted.settings, deepspeedLaunch);
  const resolved = resolveConfig({ settings: interpreted.settings, world, dialects, upstream: bash.diagnostics, format: 'bash' });
  const read: LaunchConfigRead = {
    format: 'bash',
    isLaunchConfig: true,
    commandRange: inv.range,
    config: resolved.config,
    sources: resolved.sources,
    flags: toFlagOccurrences(interpreted.occurrences),
    diagnostics: [],
  };
  registerEditContext(read, { lastArgRange: interpreted.lastArgRange });
  const cmcWord = bash.env.get('CUDA_DEVICE_MAX_CONNECTIONS');
  const validation = validateConfig({
    text,
    read,
    settings: interpreted.settings,
    dialects,
    anchor: inv.entry.range,
    cudaMaxConnections: cmcWord ? { value: cmcWord.text, range: cmcWord.origins[cmcWord.origins.length - 1]?.range ?? cmcWord.range } : undefined,
    layoutStages: resolved.layoutStages,
    yamlPath: false,
  });
  read.diagnostics = sortDiagnostics([
    ...quietPathReports(supersede(bash.diagnostics, world), inv, interpreted.occurrences),
    ...interpreted.diagnostics,
    ...world.diagnostics,
    ...resolved.diagnostics,
    ...validation,
  ]);
  return read;
}

export function readYamlLaunch(text: string): LaunchConfigRead {
  const y = readYaml(text);
  if (!y.kind) return notALaunch('yaml');
  let world: WorldInfo;
  const noWorld = (reason: string): WorldInfo => {
    const u = { value: null, source: { status: 'unresolved' as const, reason } };
    return { gpusPerNode: u, numNodes: u, worldSize: u, diagnostics: [], supersededRanges: [] };
  };
  if (y.kind === 'nemo' && y.devices && y.nodes) world = worldFromCounts(y.devices, y.nodes);
  else if (y.kind === 'functional-test') world = noWorld('a functional-test YAML does not say how many GPUs the harness uses');
  else world = noWorld('--yaml-cfg runs take the world size from torchrun (WORLD_SIZE) at run time');
  const dialects = dialectsOf(y.settings, false);
  const resolved = resolveConfig({ settings: y.settings, world, dialects, upstream: y.diagnostics, format: 'yaml' });
  const anchor: SourceRange = y.documentRange ?? { line: 0, column: 0, endLine: 0, endColumn: 0 };
  const read: LaunchConfigRead = {
    format: 'yaml',
    isLaunchConfig: true,
    commandRange: anchor,
    config: resolved.config,
    sources: resolved.sources,
    flags: toFlagOccurrences(y.occurrences),
    diagnostics: [],
  };
  const cmc = y.env.get('CUDA_DEVICE_MAX_CONNECTIONS');
  const validation = validateConfig({
    text,
    read,
    settings: y.settings,
    dialects,
    anchor,
    cudaMaxConnections: cmc ? { value: cmc.value, range: cmc.range } : undefined,
    layoutStages: resolved.layoutStages,
    // The functional-test harness passes MODEL_ARGS on the command line, so the CLI rules apply.
    yamlPath: y.kind !== 'functional-test',
  });
  read.diagnostics = sortDiagnostics([...y.diagnostics, ...world.diagnostics, ...resolved.diagnostics, ...validation]);
  return read;
}

/**
 * The bash reader reports every unknown word; when all unknown words under a report are values of flags that
 * do not affect the analysis (data, checkpoint and log paths), the report is kept only as a hint.
 */
function quietPathReports(diagnostics: CoreDiagnostic[], inv: LaunchInvocation, occurrences: FlagSetting[]): CoreDiagnostic[] {
  return diagnostics.map((d) => {
    if (d.code !== 'unresolved-value' || d.severity === 'hint') return d;
    const unknownWords = inv.args.filter((w) => w.text === null && overlaps(w.range, d.range));
    if (!unknownWords.length) return d;
    const harmless = unknownWords.every((w) => {
      const owner = occurrences.find(
        (o) =>
          o.unresolvedRanges?.some((r) => overlaps(r, w.range)) &&
          (w.origins.length === 0 || w.origins.some((wo) => o.origins.some((oo) => sameRange(oo.range, wo.range)))),
      );
      return owner !== undefined && !(owner.spec.keys && owner.spec.keys.length);
    });
    return harmless ? { ...d, severity: 'hint' as const, message: `${d.message} (a path that does not affect the schedule or memory analysis)` } : d;
  });
}

function sortDiagnostics(ds: CoreDiagnostic[]): CoreDiagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort((x, y) => x.d.range.line - y.d.range.line || x.d.range.column - y.d.range.column || x.i - y.i)
    .map((x) => x.d);
}

/** For hovers on a flag name that the table knows but the file does not use. */
export function flagDoc(flag: string): string | null {
  return flagSpec(flag)?.doc ?? lookupFlag(flag)?.spec.doc ?? null;
}
