// When an out-of-memory estimate may be called certain. The memory model is exact on the runs it covers (dense and
// MoE GPT, TP/PP/CP/EP/DP, VPP, recompute, the distributed optimizer, Megatron-FSDP, ZeRO from --zero-stage, MLA,
// MTP); a run that also uses something it does not cover
// yet, or that rests on a value the file does not fix, gets its estimate as a warning that says why — never an
// error (issue 12 §3: an error only for what is certainly wrong). Issue 13 models these terms and shrinks the list.
import type { LaunchConfigRead } from '../types';

/**
 * Launch-file spellings of memory terms the model does not include yet, with what the estimate leaves out. Matched
 * as whole option names or YAML keys in the text (a fork's flag may be missing from our flag table, and YAML keys are
 * not flags), so an option named in a comment also counts — it only ever softens the verdict.
 */
const NOT_COVERED: readonly [RegExp, string][] = [
  [
    /--lora-(?:r|rank|alpha)\b|\bpeft:|--peft\b/,
    'LoRA/PEFT freezes the base weights (no gradients or optimizer state for them)',
  ],
  // FP8 copies, param gather and FP8 linear inputs are counted (memory/precision.ts, activations.ts), but no
  // published FP8 measurement checks them yet, so an FP8 estimate is not called certain.
  [
    /--fp8(?:-format)?\b|--fp4(?:-format)?\b|\bfp8:\s*(?:true|True)/,
    'FP8/FP4 buffers, not yet checked against measurements',
  ],
  // Megatron-FSDP's strategies and buffers are counted (memory/sharding.ts); torch FSDP2's prefetch is assumed.
  [/--use-torch-fsdp2\b/, 'the prefetch of torch FSDP2 (assumed to be two layers)'],
  [
    /--optimizer-cpu-offload\b|--swap-attention\b|--recompute-activation-function\b/,
    "offloading beyond the optimizer state's GPU share",
  ],
  [
    /\bmm_cfg:|--vision-model-type\b|--language-model-type\b|--freeze-vision/,
    'the multimodal encoders (vision/audio towers)',
  ],
];

/**
 * DeepSpeed ZeRO is counted from `--zero-stage` (memory/sharding.ts); a DeepSpeed config alone leaves the stage in a
 * JSON file this reader does not open.
 */
/** An all-to-all token dispatcher chosen on the command line or in YAML (`alltoall`, older `alltoall_seq`). */
const ALLTOALL = /moe[_-]token[_-]dispatcher[_-]type["']?\s*[:= ]\s*["']?alltoall/;

const DEEPSPEED_CONFIG = /--deepspeed[_-]config\b|\bzero_optimization\b/;

/** Accelerators of a dialect that are not in our GPU table: the estimate uses a GPU profile instead. */
const NOT_A_GPU: Readonly<Partial<Record<string, string>>> = {
  'mindspeed-llm': 'MindSpeed-LLM runs on Ascend NPUs, not on the GPU profile the estimate uses',
};

/** Why an over-capacity estimate of this file is not certain; empty when it may be an error. */
export function oomUncertainty(read: LaunchConfigRead, text: string | undefined): string[] {
  const why: string[] = [];
  const accelerator = read.dialect ? NOT_A_GPU[read.dialect.id] : undefined;
  if (accelerator) why.push(accelerator);
  if (text !== undefined) {
    const terms = NOT_COVERED.filter(([re]) => re.test(text)).map(([, what]) => what);
    // Megatron-Core's default dispatcher is allgather (transformer_config.py:891 at d98e8a64); only the all-to-all
    // dispatchers' buffers are counted, so an MoE run that does not choose one leaves its dispatch buffers out.
    if ((read.config.numExperts ?? 0) > 0 && !ALLTOALL.test(text))
      terms.push("the allgather token dispatcher's buffers (Megatron-Core's default dispatcher)");
    if (DEEPSPEED_CONFIG.test(text) && read.config.zeroStage == null)
      terms.push('DeepSpeed ZeRO sharding (its stage is in the DeepSpeed config file)');
    // Flags the memory model knows it leaves out put a `not-modelled` hint on their line (rules/notModelled.ts).
    for (const d of read.diagnostics)
      if (d.code === 'not-modelled') terms.push(d.message.replace(/^.*?: the memory estimate does not count /, ''));
    if (terms.length) why.push(`the estimate does not yet include ${terms.join('; ')}`);
  }
  const assumed = new Set<string>();
  for (const source of Object.values(read.sources)) for (const a of source?.assumptions ?? []) assumed.add(a);
  if (assumed.size) why.push(`it assumes ${[...assumed].join(', ')}`);
  return why;
}
