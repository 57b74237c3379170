// The `not-simulated` diagnostic (issue 17): when the file's own schedule cannot be simulated, say so in the Problems
// view — information severity, on the line that blocks it, naming the missing value and how to supply it in the
// file's own language (a flag in a bash launch, a key in a NeMo YAML). Before, the reason was only in the status
// bar's tooltip, where a user who sees no numbers does not look.
import { LineIndex } from '../text/lineIndex';
import type {
  ConfigKey,
  CoreDiagnostic,
  CoreFix,
  LaunchConfigRead,
  ScheduleEvaluation,
  ScheduleName,
  SourceRange,
} from '../types';

interface Supply {
  /** Matches the engine's name of the missing value (engine.ts missingModelValues, model/shape.ts). */
  pattern: RegExp;
  /** Where the value would come from, in the order a range is looked for. */
  keys: ConfigKey[];
  bash: string;
  nemo: string;
}

const SUPPLIES: readonly Supply[] = [
  {
    pattern: /^pipeline-model-parallel-size/,
    keys: ['pipelineParallel'],
    bash: 'set --pipeline-model-parallel-size',
    nemo: 'set model.pipeline_model_parallel_size',
  },
  {
    pattern: /^data-parallel size/,
    keys: ['worldSize', 'gpusPerNode', 'numNodes', 'tensorParallel'],
    bash: 'make the GPU count (--nproc_per_node × --nnodes, or the launcher’s equivalent) a multiple of TP·PP·CP',
    nemo: 'make trainer.devices × trainer.num_nodes a multiple of TP·PP·CP',
  },
  {
    pattern: /^number of microbatches/,
    keys: ['globalBatchSize', 'microBatchSize', 'worldSize', 'gpusPerNode', 'numNodes'],
    bash: 'set --global-batch-size and --micro-batch-size, and a GPU count the file fixes',
    nemo: 'set model.global_batch_size and model.micro_batch_size, and trainer.devices and trainer.num_nodes',
  },
  { pattern: /^num-layers/, keys: ['numLayers'], bash: 'set --num-layers', nemo: 'set model.num_layers' },
  { pattern: /^hidden-size/, keys: ['hiddenSize'], bash: 'set --hidden-size', nemo: 'set model.hidden_size' },
  {
    pattern: /^num-attention-heads/,
    keys: ['numAttentionHeads'],
    bash: 'set --num-attention-heads',
    nemo: 'set model.num_attention_heads',
  },
  { pattern: /^seq-length/, keys: ['seqLength'], bash: 'set --seq-length', nemo: 'set model.encoder_seq_length' },
  {
    pattern: /^vocabulary size/,
    keys: ['vocabSize', 'paddedVocabSize', 'tokenizerType'],
    bash: 'set --vocab-size, or a --tokenizer-type whose vocabulary is known (GPT2BPETokenizer, a Hugging Face model id …)',
    nemo: 'set model.tokenizer.library and model.tokenizer.type to a tokenizer whose vocabulary is known',
  },
];

const UNKNOWN = /^cannot simulate: unknown (.*)$/;

/** The engine's list `a, b, c (x, y), d` split at top-level commas only. */
function splitMissing(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of list) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function rangeOf(read: LaunchConfigRead, keys: readonly ConfigKey[]): SourceRange | null {
  for (const key of keys) {
    const source = read.sources[key];
    const range = source?.valueRange ?? source?.range;
    if (range) return range;
  }
  return null;
}

/**
 * Information diagnostic for a training launch whose own schedule was not simulated; null when it was (or when the
 * file is no training launch). The range is the first missing value's source when the file sets it but it stays
 * unknown (`--num-layers $UNSET`), else the launch command (a NeMo YAML's first key).
 */
export function notSimulatedDiagnostic(
  read: LaunchConfigRead,
  engine: { selected: ScheduleName | null; evaluations: Partial<Record<ScheduleName, ScheduleEvaluation>> },
  text?: string,
  overrides?: object,
): CoreDiagnostic | null {
  // A panel what-if is not what the file runs: nothing to report on the file.
  if (overrides && Object.keys(overrides).length > 0) return null;
  try {
    return explain(read, engine.selected ? engine.evaluations[engine.selected] : null, text);
  } catch {
    return null; // an explanation must never cost the analysis (the core never throws on user input)
  }
}

function explain(
  read: LaunchConfigRead,
  selected: ScheduleEvaluation | null | undefined,
  text?: string,
): CoreDiagnostic | null {
  if (!read.isLaunchConfig || (read.scriptKind && read.scriptKind.id !== 'training')) return null;
  if (!selected || selected.applicable) return null;
  const reason = selected.reason ?? 'the schedule does not apply to this configuration';
  const fallback = read.commandRange ?? { line: 0, column: 0, endLine: 0, endColumn: 1 };
  const yaml = read.format === 'yaml';
  const unknown = UNKNOWN.exec(reason);
  if (!unknown) {
    return {
      code: 'not-simulated',
      severity: 'information',
      message: `Not simulated, so no step time or memory is shown: ${reason.replace(/^(not simulated|cannot simulate): /, '')}.`,
      range: fallback,
    };
  }
  const missing = splitMissing(unknown[1]!);
  const hows: string[] = [];
  let range: SourceRange | null = null;
  const c = read.config;
  // The batch is set but the GPU count is not: the world size is what blocks, so point at it and offer to assume one.
  const worldBlocks =
    c.worldSize == null &&
    c.globalBatchSize != null &&
    c.microBatchSize != null &&
    missing.some((m) => /^number of microbatches/.test(m));
  const fixes = worldBlocks && text != null ? assumeGpuFixes(read, text) : [];
  if (worldBlocks) {
    hows.push(`write the GPU count${fixes.length ? ', or apply an “Assume N GPUs” quick fix' : ''}`);
    range = fixes[0]?.edits[0]?.range ?? rangeOf(read, ['numNodes', 'gpusPerNode', 'worldSize']);
  }
  for (const name of missing) {
    const supply = SUPPLIES.find((s) => s.pattern.test(name));
    if (!supply || (worldBlocks && /^number of microbatches/.test(name))) continue;
    hows.push(yaml ? supply.nemo : supply.bash);
    range ??= rangeOf(read, supply.keys);
  }
  const how = hows.length ? ` To simulate it, ${[...new Set(hows)].join('; ')}.` : '';
  const world = read.sources.worldSize?.reason;
  const others = missing.filter((m) => !/^number of microbatches/.test(m));
  const what = worldBlocks
    ? `the GPU count is unknown${world ? ` (${world})` : ''}, so the data-parallel size and the number of microbatches are too${others.length ? `; the file also leaves ${others.join(', ')} unknown` : ''}`
    : `the file leaves ${missing.join(', ')} unknown`;
  const diagnostic: CoreDiagnostic = {
    code: 'not-simulated',
    severity: 'information',
    message: `Not simulated, so no step time or memory is shown: ${what}.${how}`,
    range: range ?? fallback,
  };
  if (fixes.length) diagnostic.fixes = fixes;
  return diagnostic;
}

/** GPU counts offered per unknown: node counts for `--nnodes $X`, per-node counts for `--nproc_per_node $X`. */
const ASSUMED_COUNTS: Partial<Record<ConfigKey, readonly number[]>> = {
  numNodes: [1, 2, 4],
  gpusPerNode: [8, 4],
  worldSize: [8, 16, 64],
};

const BARE_VARIABLE = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))$/;

/**
 * "Assume N GPUs": when the GPU count comes straight from an environment variable the script never sets
 * (`--nnodes $NNODES`), write a bash default at that word — `${NNODES:-2}`. The launch runs as before wherever the
 * variable is set (the default applies only when it is unset or empty), and the analysis reads the default as an
 * assumption (checks resting on it stay warnings that name it).
 */
function assumeGpuFixes(read: LaunchConfigRead, text: string): CoreFix[] {
  if (read.format !== 'bash') return [];
  const index = new LineIndex(text);
  for (const key of ['numNodes', 'gpusPerNode', 'worldSize'] as const) {
    const source = read.sources[key];
    const at = source?.valueRange;
    if (source?.status !== 'unresolved' || !at || source.origins?.length) continue;
    const word = text.slice(index.offset(at.line, at.column), index.offset(at.endLine, at.endColumn));
    const m = BARE_VARIABLE.exec(word);
    const name = m?.[1] ?? m?.[2];
    if (!name) continue;
    const other = key === 'numNodes' ? read.config.gpusPerNode : key === 'gpusPerNode' ? read.config.numNodes : 1;
    return (ASSUMED_COUNTS[key] ?? []).map((n, i) => {
      const gpus = other != null ? `${n * other} GPUs` : null;
      const what =
        key === 'numNodes'
          ? `${n} node${n === 1 ? '' : 's'}`
          : key === 'gpusPerNode'
            ? `${n} GPUs per node`
            : `${n} GPUs`;
      return {
        title: `Assume ${what}${gpus && key !== 'worldSize' ? ` (${gpus})` : ''} when $${name} is unset: \${${name}:-${n}}`,
        edits: [{ range: at, newText: `\${${name}:-${n}}` }],
        preferred: i === 0,
      };
    });
  }
  return [];
}
