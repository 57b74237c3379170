// How a flag setting reads in the file's own language (issue 17): advice about a NeMo YAML names its keys
// (`model.activations_checkpoint_granularity: full`), a functional-test YAML its MODEL_ARGS, a bash launch its flags.
// The words match what the quick fix writes: planFlagEdit and planYamlInsertion choose the same key.
import { lookupFlag } from '../megatron/flags/lookup';
import type { LaunchConfigRead } from '../types';
import { nemoKeyFor } from './yamlInsertion';

/** NeMo spells the distributed optimizer as an optimizer name (NeMo megatron_gpt_config.yaml `optim.name`). */
const NEMO_DISTRIBUTED_OPTIMIZER = 'distributed_fused_adam';

/** A NeMo YAML: read as `model.*` / `trainer.*` keys (their spelling is the key path). */
export function isNemoYaml(read: LaunchConfigRead): boolean {
  return (
    read.format === 'yaml' &&
    (read.dialect?.id === 'nemo' || read.flags.some((o) => /^(model|trainer)\./.test(o.spelling)))
  );
}

/** `--recompute-granularity full`, `model.activations_checkpoint_granularity: full`; `value` "true" is a switch. */
export function settingText(read: LaunchConfigRead, flag: string, value: string | null): string {
  const spec = lookupFlag(flag)?.spec;
  const canonical = spec?.name ?? flag;
  const isSwitch = spec?.type === 'store_true' || spec?.type === 'store_false';
  if (isNemoYaml(read)) {
    // The key the file already uses for this flag (its spelling is the key path), else the one an insertion writes.
    const present = [...read.flags].reverse().find((o) => o.flag === canonical)?.spelling;
    if (canonical === '--use-distributed-optimizer')
      return `${present ?? 'model.optim.name'}: ${NEMO_DISTRIBUTED_OPTIMIZER}`;
    const key = present ?? nemoKeyFor(canonical, value ?? 'null')?.path;
    if (key) return `${key}: ${value === null ? 'null' : isSwitch ? 'true' : value}`;
  }
  if (value === null) return `no ${canonical}`;
  return isSwitch ? canonical : `${canonical} ${value}`;
}
