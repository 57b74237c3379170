// What a launch runs (issue 12 §2): training, inference, evaluation, checkpoint conversion or something else (data
// preprocessing). Text-generation servers, evaluation harnesses and converters carry the same model flags as a
// training run, so the flags alone look like training; the entry script, the flags only such scripts take and the
// file's name say otherwise. Weighed like the dialect: a plain sum per kind, so the deciding piece can be named.
import { codeAppliesToKind } from '../megatron/rules';
import type { LaunchConfigRead, ScriptKind, ScriptKindEvidence, ScriptKindRead, SourceRange } from '../types';

/** The entry script: each framework keeps these scripts for exactly one purpose. */
const DECISIVE = 3;
/** A flag only that kind of script's own parser adds. */
const STRONG = 2;
/** The file's name or folder: people name scripts after what they do, but not always. */
const HINT = 1;

const TASKS_MAIN = /(^|\/)tasks\/main\.py$/;

/**
 * Entry scripts by kind, tried in this order (a converter named `…_train_…` is still a converter). Where each lives:
 * - conversion: NVIDIA/Megatron-LM d98e8a64 tools/checkpoint/convert.py (and its loaders/savers); the older
 *   tools/checkpoint_util.py (thunlp/Seq1F1B 68934661); Ascend/MindSpeed-LLM c77308a1 convert_ckpt_v2.py and
 *   examples/mcore/<model>/convert_ckpt_<model>.py; alibaba/Pai-Megatron-Patch a098ca5a
 *   toolkits/distributed_checkpoints_convertor/impl/convert.py and toolkits/model_checkpoints_convertor/<model>/
 *   hf2mcore_<model>.py.
 * - other: Megatron-LM tools/preprocess_data.py, tools/merge_datasets.py; MindSpeed-LLM preprocess_data.py;
 *   Pai toolkits/sft_data_preprocessing/build_idxmap_sft_dataset.py.
 * - inference: Megatron-LM tools/run_text_generation_server.py, tools/text_generation_cli.py,
 *   examples/inference/advanced/gpt_static_inference.py; MindSpeed-LLM inference.py; generate_samples_gpt.py
 *   (examples/detxoify_lm in Megatron-LM's older trees and its forks).
 * - evaluation: MindSpeed-LLM evaluation.py; Pai examples/<model>/evaluate_megatron_<model>.py; tasks/main.py and
 *   tasks/msdp/main.py and tasks/main.py (Seq1F1B's Megatron-LM tree; see FINETUNE_TASKS for the tasks that train).
 * - training: Megatron-LM pretrain_gpt.py, pretrain_mamba.py, train_rl.py; MindSpeed-LLM posttrain_gpt.py,
 *   rlhf_gpt.py, train_fsdp2.py; fine-tuning scripts (finetune_*.py, sft_*.py) train too.
 */
const ENTRY_KINDS: readonly { kind: ScriptKind; pattern: RegExp; weight?: number }[] = [
  {
    kind: 'conversion',
    pattern:
      /(^|\/)(tools\/checkpoint\/[\w.-]+|checkpoint_util|[\w-]*convert[\w-]*|[\w-]*hf2mcore[\w-]*|[\w-]*mcore2hf[\w-]*|[\w-]*hf2megatron[\w-]*|[\w-]*megatron2hf[\w-]*)\.py$/i,
  },
  { kind: 'other', pattern: /(^|\/)(preprocess[\w-]*|build_idxmap[\w-]*|merge_datasets)\.py$/i },
  {
    kind: 'inference',
    pattern: /(^|\/)([\w-]*inference[\w-]*|[\w-]*text_generation[\w-]*|generate[\w-]*|[\w-]*_generation_server)\.py$/i,
  },
  { kind: 'evaluation', pattern: /(^|\/)(evaluat[\w-]*|eval_[\w-]*|[\w-]*_eval)\.py$|(^|\/)tasks\/[\w-]+\/main\.py$/i },
  // Evaluates or fine-tunes depending on --task (FINETUNE_TASKS), so only a hint that a literal --task or the file
  // name (ds_finetune_bert_mnli.sh) outweighs.
  { kind: 'evaluation', pattern: TASKS_MAIN, weight: HINT },
  { kind: 'training', pattern: /(^|\/)(pretrain|posttrain|train|finetune|sft|rlhf)[\w-]*\.py$/i },
];

/**
 * `tasks/main.py --task X` fine-tunes for some tasks and evaluates for others: thunlp/Seq1F1B 68934661
 * tasks/main.py:88-97 sends RACE, MNLI, QQP and RET-FINETUNE-NQ to a `finetune` main, LAMBADA, WIKITEXT103,
 * ICT-ZEROSHOT-NQ and RETRIEVER-EVAL to an evaluation main.
 */
const FINETUNE_TASKS = new Set(['RACE', 'MNLI', 'QQP', 'RET-FINETUNE-NQ']);
const EVALUATION_TASKS = new Set(['LAMBADA', 'WIKITEXT103', 'ICT-ZEROSHOT-NQ', 'RETRIEVER-EVAL']);

/** Flags that only one kind of script's parser adds (underscores read as dashes). */
const KIND_FLAGS: ReadonlyMap<string, ScriptKind> = new Map([
  // NVIDIA/Megatron-LM tools/checkpoint/convert.py:114-123 (--model-type, --loader, --saver, --load-dir, --save-dir),
  // saver_base.py:170-172 (target sizes); MindSpeed-LLM convert_ckpt_v2.py:24-26, 61-77; Pai's
  // hf2mcore_llama3_1.py:41-43 (--target-tensor-model-parallel-size, --target-pipeline-model-parallel-size).
  ['--target-tensor-parallel-size', 'conversion'],
  ['--target-pipeline-parallel-size', 'conversion'],
  ['--target-expert-parallel-size', 'conversion'],
  ['--target-tensor-model-parallel-size', 'conversion'],
  ['--target-pipeline-model-parallel-size', 'conversion'],
  ['--target-expert-model-parallel-size', 'conversion'],
  ['--load-dir', 'conversion'],
  ['--save-dir', 'conversion'],
  ['--loader', 'conversion'],
  ['--saver', 'conversion'],
  ['--load-model-type', 'conversion'],
  ['--save-model-type', 'conversion'],
  // MindSpeed-LLM mindspeed_llm/features_manager/evaluation/evaluation.py:14.
  ['--task-data-path', 'evaluation'],
  // Megatron-LM tools/preprocess_data.py:221 (with --input at :207).
  ['--output-prefix', 'other'],
]);

/** MindSpeed-LLM mindspeed_llm/features_manager/inference/inference.py:33; its evaluation takes it too, so a hint. */
const HINT_FLAGS: ReadonlyMap<string, ScriptKind> = new Map([['--max-new-tokens', 'inference']]);

/** The script's own name, then its folders (NeMo-Launcher's conf/conversion_hf2nemo/, a test case's name). */
const NAME_KINDS: readonly { kind: ScriptKind; pattern: RegExp }[] = [
  { kind: 'conversion', pattern: /convert|ckpt_conv|hf2mcore|mcore2hf|hf2nemo|nemo2hf|hf2mg|mg2hf|conversion/i },
  { kind: 'other', pattern: /preprocess|build_idxmap/i },
  { kind: 'inference', pattern: /generat|inference|infer_|text_gen|serve/i },
  { kind: 'evaluation', pattern: /(^|[_-])eval(uate|uation)?([_-]|\.|$)/i },
  { kind: 'training', pattern: /(^|[_-])(pretrain|posttrain|train|finetune|fine_tuning|tune|sft|peft)([_-]|\.|$)/i },
];

function textAt(lines: readonly string[], r: SourceRange): string {
  if (r.line !== r.endLine) return (lines[r.line] ?? '').slice(r.column);
  return (lines[r.line] ?? '').slice(r.column, r.endColumn);
}

function entryEvidence(lines: readonly string[], read: LaunchConfigRead, out: ScriptKindEvidence[]): string {
  const anchor = read.format === 'bash' ? read.dialect?.anchor : undefined;
  if (!anchor) return '';
  const entry = textAt(lines, anchor).replace(/^["']|["']$/g, '');
  const found = ENTRY_KINDS.find((e) => e.pattern.test(entry));
  if (found)
    out.push({ kind: found.kind, what: `entry script ${entry}`, range: anchor, weight: found.weight ?? DECISIVE });
  return entry;
}

/** Every option word of the launch, known to Megatron or not (unknown ones are only in the interpreter's reports). */
function optionWords(lines: readonly string[], read: LaunchConfigRead): { name: string; range: SourceRange }[] {
  const words = read.flags.map((f) => ({ name: f.spelling, range: f.range }));
  for (const d of read.diagnostics)
    if (d.code === 'unknown-flag' || d.code === 'unexpected-argument') {
      const name = textAt(lines, d.range);
      if (name.startsWith('--')) words.push({ name, range: d.range });
    }
  return words
    .map((w) => ({ name: (w.name.split('=')[0] ?? '').replace(/_/g, '-'), range: w.range }))
    .sort((a, b) => a.range.line - b.range.line || a.range.column - b.range.column);
}

function flagEvidence(
  lines: readonly string[],
  read: LaunchConfigRead,
  entry: string,
  out: ScriptKindEvidence[],
): void {
  const seen = new Set<string>();
  for (const { name, range } of optionWords(lines, read)) {
    if (seen.has(name)) continue;
    seen.add(name);
    const strong = KIND_FLAGS.get(name);
    const hint = HINT_FLAGS.get(name);
    if (strong) out.push({ kind: strong, what: `flag ${name}`, range, weight: STRONG });
    else if (hint) out.push({ kind: hint, what: `flag ${name}`, range, weight: HINT });
    else if (name === '--task' && TASKS_MAIN.test(entry)) {
      // Only a literal value: a task held in a variable is not an unknown flag's resolved value.
      const value = /^[=\s]+["']?([\w-]+)/.exec((lines[range.line] ?? '').slice(range.endColumn))?.[1];
      if (value && FINETUNE_TASKS.has(value))
        out.push({ kind: 'training', what: `flag --task ${value} (fine-tuning)`, range, weight: DECISIVE });
      else if (value && EVALUATION_TASKS.has(value))
        out.push({ kind: 'evaluation', what: `flag --task ${value}`, range, weight: STRONG });
    }
  }
}

function nameEvidence(fileName: string | undefined, out: ScriptKindEvidence[]): void {
  if (!fileName) return;
  const parts = fileName.split(/[\\/]/);
  const base = parts[parts.length - 1] ?? '';
  for (const part of [base, ...parts.slice(0, -1).reverse()]) {
    const found = NAME_KINDS.find((n) => n.pattern.test(part));
    if (!found) continue;
    out.push({
      kind: found.kind,
      what: `${part === base ? 'file name' : 'folder'} ${part}`,
      range: null,
      weight: HINT,
    });
    return;
  }
}

/**
 * The sum of weights per kind decides; on equal sums the kind with the heavier single piece; on a full tie, or with
 * no evidence at all, training — the kind that gets every check, so nothing is silently skipped.
 */
export function decideKind(evidence: readonly ScriptKindEvidence[]): { id: ScriptKind; decidedBy: number | null } {
  const totals = new Map<ScriptKind, { sum: number; heaviest: number }>();
  for (const e of evidence) {
    const t = totals.get(e.kind) ?? { sum: 0, heaviest: 0 };
    totals.set(e.kind, { sum: t.sum + e.weight, heaviest: Math.max(t.heaviest, e.weight) });
  }
  const ranked = [...totals.entries()].sort(
    (a, b) =>
      b[1].sum - a[1].sum || b[1].heaviest - a[1].heaviest || (a[0] === 'training' ? -1 : b[0] === 'training' ? 1 : 0),
  );
  const [first, second] = ranked;
  if (!first) return { id: 'training', decidedBy: null };
  const tied = second && second[1].sum === first[1].sum && second[1].heaviest === first[1].heaviest;
  const id: ScriptKind = tied && first[0] !== 'training' ? 'training' : first[0];
  let decidedBy: number | null = null;
  evidence.forEach((e, i) => {
    if (e.kind === id && (decidedBy === null || e.weight > (evidence[decidedBy]?.weight ?? 0))) decidedBy = i;
  });
  return { id, decidedBy };
}

export function classifyScript(text: string, read: LaunchConfigRead, fileName?: string): ScriptKindRead {
  const lines = text.split(/\r?\n/);
  const evidence: ScriptKindEvidence[] = [];
  const entry = entryEvidence(lines, read, evidence);
  flagEvidence(lines, read, entry, evidence);
  nameEvidence(fileName, evidence);
  return { evidence, ...decideKind(evidence) };
}

/**
 * Sets the launch's kind and drops the diagnostics that are not right for it (the registry's `appliesTo.kinds`):
 * the rules run on every launch, and what a non-training launch does not do is filtered here, once, for every format.
 */
export function settleScriptKind(text: string, read: LaunchConfigRead, fileName?: string): void {
  if (!read.isLaunchConfig) return;
  const kind = classifyScript(text, read, fileName);
  read.scriptKind = kind;
  if (kind.id !== 'training') read.diagnostics = read.diagnostics.filter((d) => codeAppliesToKind(d.code, kind.id));
}
