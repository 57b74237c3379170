// CUDA_DEVICE_MAX_CONNECTIONS=1 with TP or CP > 1 on GPUs before Blackwell, so communication kernels are
// scheduled ahead of compute.
import { code, positive, type Rule } from './rule';

export const cudaConnectionsRule: Rule = {
  family: 'cudaConnections',
  codes: [code('cuda-device-max-connections', 'warning')],
  check(ctx) {
    const { tensorParallel: t, contextParallel: c } = ctx.cfg;
    if (!((positive(t) && t > 1) || (positive(c) && c > 1))) return;
    // Megatron-DeepSpeed under --deepspeed turns the async TP all-reduce off and requires the variable only for
    // sequence parallelism (microsoft f4157bea megatron/arguments.py:398-411).
    const deepspeedRun = ctx.input.dialect === 'megatron-deepspeed' && ctx.settings.get('--deepspeed')?.bool === true;
    if (deepspeedRun && ctx.cfg.sequenceParallel !== true) return;
    const cmc = ctx.input.cudaMaxConnections;
    if (cmc && cmc.value !== null && cmc.value !== '1') {
      ctx.push({
        code: 'cuda-device-max-connections',
        severity: 'warning',
        message: `CUDA_DEVICE_MAX_CONNECTIONS is ${cmc.value}; with TP ${t} / CP ${c} Megatron requires 1 on GPUs before Blackwell (so communication kernels are scheduled before compute)`,
        range: cmc.range,
      });
    } else if (!cmc && !ctx.input.yamlPath) {
      // Only a hint-level note: the cluster environment often sets it outside the script.
      ctx.push({
        code: 'cuda-device-max-connections',
        severity: 'information',
        message: `TP ${t} / CP ${c}: Megatron requires CUDA_DEVICE_MAX_CONNECTIONS=1 on GPUs before Blackwell, and this script does not set it (export CUDA_DEVICE_MAX_CONNECTIONS=1 unless your environment does)`,
        range: ctx.at(positive(t) && t > 1 ? 'tensorParallel' : 'contextParallel'),
      });
    }
  },
};
