// A bash launch script → LaunchConfigRead: pick the Megatron invocation among the commands the bash reader
// recorded, interpret its arguments, work out the world size, then the shared resolve → validate tail.
import type { BashReadResult, LaunchInvocation, ShellWord } from '../bash/types';
import type { CoreDiagnostic, DialectId, LaunchConfigRead } from '../types';
import { lookupFlag } from '../megatron/flags/lookup';
import { interpretArgs, type FlagSetting } from '../megatron/interpret';
import { resolveWorld, type WorldInfo } from '../megatron/world';
import { overlaps, sameRange } from '../text/ranges';
import { bashDialectEvidence, detectedDialect } from './dialect';
import { dialectsOf, finishRead, notALaunch } from './finishRead';
import type { OpenArgs } from '../megatron/rules/rule';

/** Flags that only a Megatron-style training launch passes; one of them makes an arbitrary python command count. */
const SIGNATURE_FLAGS = new Set([
  '--tensor-model-parallel-size',
  '--pipeline-model-parallel-size',
  '--num-layers',
  '--hidden-size',
  '--num-attention-heads',
  '--micro-batch-size',
  '--global-batch-size',
  '--seq-length',
  '--max-position-embeddings',
  '--pipe-sp-splits',
  '--context-parallel-size',
  '--expert-model-parallel-size',
  '--yaml-cfg',
]);

function looksLikeMegatron(inv: LaunchInvocation): boolean {
  const entry = inv.entry.text ?? '';
  if (
    /(^|\/)pretrain_\w+\.py$/.test(entry) ||
    (/(^|\/)(train|finetune)\w*\.py$/.test(entry) && inv.args.some(isSignature))
  )
    return true;
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
function pickInvocation(invocations: LaunchInvocation[]): LaunchInvocation | null {
  const candidates = invocations.filter(looksLikeMegatron);
  if (!candidates.length) return null;
  const unconditional = candidates.filter((c) => !c.conditional);
  const pool = unconditional.length ? unconditional : candidates;
  return pool[pool.length - 1] ?? null;
}

function supersede(bashDiagnostics: CoreDiagnostic[], world: WorldInfo): CoreDiagnostic[] {
  return bashDiagnostics.filter(
    (d) => !(d.code === 'unresolved-value' && world.supersededRanges.some((r) => overlaps(r, d.range))),
  );
}

export function readBashLaunch(
  text: string,
  bash: BashReadResult,
  override: DialectId | null = null,
): LaunchConfigRead {
  const inv = pickInvocation(bash.invocations);
  if (!inv) return notALaunch('bash');
  const deepspeedLaunch =
    inv.launchers.some((l) => l.kind === 'deepspeed') ||
    inv.args.some((w) => /^--(deepspeed|deepspeed[_-]config|zero[_-]stage)(=|$)/.test(w.text ?? w.knownPrefix ?? ''));
  // The dialect before interpreting: its parser decides which unknown flags are certainly wrong and their arity.
  const dialect = detectedDialect(bashDialectEvidence(text, inv), inv.entry.range);
  const entry = inv.entry.text ?? inv.entry.knownSuffix ?? null;
  // A dialect the user fixed (directive or setting) reads the flags; settleDialect records it afterwards.
  const dialectId = override ?? dialect.id;
  const interpreted = interpretArgs(inv.args, { lenientChoices: deepspeedLaunch, dialect: dialectId, entry });
  markAssumptions(interpreted.occurrences, inv);
  const world = resolveWorld(inv, bash);
  const cmcWord = bash.env.get('CUDA_DEVICE_MAX_CONNECTIONS');
  const read = finishRead(
    text,
    {
      format: 'bash',
      commandRange: inv.range,
      settings: interpreted.settings,
      occurrences: interpreted.occurrences,
      world,
      readerDiagnostics: bash.diagnostics,
      leadingDiagnostics: templateReports(text, [
        ...quietPathReports(supersede(bash.diagnostics, world), inv, interpreted.occurrences),
        ...interpreted.diagnostics,
      ]),
      anchor: inv.entry.range,
      cudaMaxConnections: cmcWord
        ? { value: cmcWord.text, range: cmcWord.origins[cmcWord.origins.length - 1]?.range ?? cmcWord.range }
        : undefined,
      yamlPath: false,
      editContext: { lastArgRange: interpreted.lastArgRange },
      runtimeArgs: openArgs(inv, bash.diagnostics),
      megatronEntry: entry === null || MEGATRON_ENTRY.test(entry),
      dialectSure: override !== null || (dialect.evidence[dialect.decidedBy ?? -1]?.weight ?? 0) >= 2,
      entry,
      dialect: dialectId,
      ...(dialect.version !== undefined && dialectId === dialect.id && { dialectVersion: dialect.version }),
    },
    dialectsOf(interpreted.settings, deepspeedLaunch),
  );
  read.dialect = dialect;
  return read;
}

/** Where flags the reader cannot see may come from: the script's own arguments, files it sources but we do not read. */
function openArgs(inv: LaunchInvocation, bashDiagnostics: CoreDiagnostic[]): OpenArgs[] {
  const out: OpenArgs[] = (inv.passthroughArgs ?? []).map((range) => ({
    range,
    what: `the script's own arguments ("$@" on line ${range.line + 1})`,
  }));
  for (const d of bashDiagnostics)
    if (d.code === 'sourced-file-not-read')
      out.push({ range: d.range, what: `the file sourced on line ${d.range.line + 1} (not read here)` });
  return out;
}

/**
 * Entry scripts of the Megatron family, which parse their arguments with Megatron's parser (pretrain_gpt.py and
 * friends, tasks/main.py, finetune/evaluate/generate scripts, slime's and MindSpeed's train/inference scripts). A
 * project's own trainer (e.g. Megatron-Bridge's megatron_mimo_training_llava.py) may not.
 */
const MEGATRON_ENTRY =
  /(^|\/)(pretrain_\w+|finetune\w*|main|train|train_async|train_rl|evaluat\w*|generate\w*|inference\w*|posttrain_\w+|preprocess_\w+)\.py$|^megatron\./;

/** `SFT_HOME="<path/to/megatron/repo>"`: a documentation template's placeholder assigned to a variable. */
const PLACEHOLDER_ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?[A-Za-z_]\w*=["']?<[A-Za-z][^>\n]{0,80}>/m;

/**
 * A template that assigns placeholders (`REPO="<path/to/repo>"`) and then builds its command from them fails as written
 * — bash reads `<…>` as redirections once the value is expanded into an `eval` string, and flags lose their values —
 * but every such failure is the placeholder's: until it is filled in, the reader's and the interpreter's errors are
 * warnings that name it.
 */
function templateReports(text: string, diagnostics: CoreDiagnostic[]): CoreDiagnostic[] {
  if (!diagnostics.some((d) => d.severity === 'error')) return diagnostics;
  const m = PLACEHOLDER_ASSIGNMENT.exec(text);
  if (!m) return diagnostics;
  const line = text.slice(0, m.index).split('\n').length;
  const placeholder = m[0].slice(m[0].indexOf('<'));
  return diagnostics.map((d) =>
    d.severity === 'error' && (d.code === 'bash-syntax' || d.code === 'invalid-flag-value')
      ? {
          ...d,
          severity: 'warning' as const,
          message: `${d.message} (the file still has placeholders to fill in, e.g. ${placeholder} on line ${line})`,
        }
      : d,
  );
}

/** What a launch taken on a branch the reader could not decide rests on. */
const BLIND_LAUNCH = 'the branch holding the launch command (its condition is only known at run time) runs';

/**
 * A launch found on a branch the reader could not decide rests on that branch: every flag of it says so (the flags
 * already carry what their own words rest on — interpret.ts copies ShellWord.assumptions), so no check is an error.
 */
function markAssumptions(occurrences: FlagSetting[], inv: LaunchInvocation): void {
  if (!inv.conditional) return;
  for (const o of occurrences) o.assumptions = [...new Set([BLIND_LAUNCH, ...(o.assumptions ?? [])])];
}

/**
 * The bash reader reports every unknown word; when all unknown words under a report are values of flags that
 * do not affect the analysis (data, checkpoint and log paths), the report is kept only as a hint.
 */
function quietPathReports(
  diagnostics: CoreDiagnostic[],
  inv: LaunchInvocation,
  occurrences: FlagSetting[],
): CoreDiagnostic[] {
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
    return harmless
      ? {
          ...d,
          severity: 'hint' as const,
          message: `${d.message} (a path that does not affect the schedule or memory analysis)`,
        }
      : d;
  });
}
