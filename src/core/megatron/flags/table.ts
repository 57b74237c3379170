// Megatron-LM's argument surface (megatron.md §1) plus the fork flags we tolerate (Seq1F1B, MindSpeed,
// Megatron-DeepSpeed, zero-bubble). The table is data: the interpreter decides arity from `type`, hovers show
// `doc`, the resolver takes `key` + `default` (see spec.ts). Flags that only matter for data/logging/checkpointing
// are listed so they are not reported as unknown.
import { COMPUTE_FLAGS } from './compute';
import { FORK_FLAGS } from './forks';
import { BUFFER_FLAGS } from './buffers';
import { MOE_FLAGS } from './moe';
import { PARALLELISM_FLAGS } from './parallelism';
import { MODEL_SHAPE_FLAGS } from './shape';
import type { FlagSpec } from './spec';
import { TRAINING_FLAGS } from './training';

export type {
  BoolKey,
  Dialect,
  FlagSpec,
  ListSpec,
  NumberKey,
  NumberSpec,
  SwitchSpec,
  TextKey,
  TextSpec,
} from './spec';

// The families in the order the table has always had: suggestions and resolution walk the rows in order, and a
// spelling defined twice is found by its last row, so moving a family changes behaviour.
export const FLAG_SPECS: readonly FlagSpec[] = [
  ...MODEL_SHAPE_FLAGS,
  ...PARALLELISM_FLAGS,
  ...MOE_FLAGS,
  ...COMPUTE_FLAGS,
  ...TRAINING_FLAGS,
  ...FORK_FLAGS,
  ...BUFFER_FLAGS,
];
