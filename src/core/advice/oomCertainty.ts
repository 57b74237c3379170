// When an out-of-memory estimate may be called certain. The memory model is exact on the runs it covers (dense
// GPT, TP/PP/CP/DP, VPP, recompute, the distributed optimizer); a run that also uses something it does not cover
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
  [/--fp8(?:-format)?\b|\bfp8:\s*(?:true|True|hybrid|e4m3)/, 'FP8 weight copies and FP8 activations'],
  [/--use-(?:megatron|torch)-fsdp2?\b|--data-parallel-sharding-strategy\b|\bfsdp:\s*true/, 'FSDP sharding'],
  [/--zero-stage\b|--deepspeed[_-]config\b|\bzero_optimization\b/, 'DeepSpeed ZeRO sharding'],
  [/--num-experts\b|\bnum_moe_experts:\s*[1-9]|--moe-/, 'MoE expert placement and token dispatch buffers'],
  [/--multi-latent-attention\b|--q-lora-rank\b|--kv-lora-rank\b/, 'multi-latent attention'],
  [/--mtp-num-layers\b|\bmtp_num_layers:\s*[1-9]/, 'multi-token prediction layers'],
  [/--cpu-offloading\b|--optimizer-cpu-offload\b|--swap-attention\b|--recompute-activation-function\b/, 'offloading'],
  [
    /\bmm_cfg:|--vision-model-type\b|--language-model-type\b|--freeze-vision/,
    'the multimodal encoders (vision/audio towers)',
  ],
];

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
    if (terms.length) why.push(`the estimate does not yet include ${terms.join('; ')}`);
  }
  const assumed = new Set<string>();
  for (const source of Object.values(read.sources)) for (const a of source?.assumptions ?? []) assumed.add(a);
  if (assumed.size) why.push(`it assumes ${[...assumed].join(', ')}`);
  return why;
}
