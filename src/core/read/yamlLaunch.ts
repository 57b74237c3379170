// A YAML launch config (NeMo, Megatron --yaml-cfg, functional test) → LaunchConfigRead.
import type { LaunchConfigRead, SourceRange } from '../types';
import { worldFromCounts, type WorldInfo } from '../megatron/world';
import { readYaml } from '../yaml/reader';
import { detectedDialect, yamlDialectEvidence } from './dialect';
import { dialectsOf, finishRead, notALaunch } from './finishRead';

const noWorld = (reason: string): WorldInfo => {
  const u = { value: null, source: { status: 'unresolved' as const, reason } };
  return { gpusPerNode: u, numNodes: u, worldSize: u, diagnostics: [], supersededRanges: [] };
};

/**
 * Megatron-LM's functional tests: the harness launches `torchrun --nproc_per_node $GPUS_PER_NODE --nnodes $NUM_NODES`
 * with `GPUS_PER_NODE=${GPUS_PER_NODE:-8}` and `NUM_NODES=${NUM_NODES:-${SLURM_NNODES:-1}}` (Megatron-LM d98e8a64
 * tests/functional_tests/shell_test_utils/_run_training.sh:201-214); a recipe may export others (gb200: 2 nodes × 4).
 * So 8 × 1 is the harness default, and every check on it says it rests on that.
 */
function harnessWorld(): WorldInfo {
  const assumptions = ["the test recipe keeps the harness's 8 GPUs per node and 1 node"];
  const count = (value: number, note: string) => ({ value, source: { status: 'default' as const, note, assumptions } });
  return {
    gpusPerNode: count(8, 'functional-test harness default GPUS_PER_NODE=8'),
    numNodes: count(1, 'functional-test harness default NUM_NODES=1'),
    worldSize: count(8, 'functional-test harness default 8 GPUs × 1 node'),
    diagnostics: [],
    supersededRanges: [],
  };
}

/**
 * The training script of a functional test case, for its tokenizer default: the recipes run the gpt and moe
 * families' training cases with `TRAINING_SCRIPT_PATH=pretrain_gpt.py` (Megatron-LM d98e8a64
 * tests/test_utils/recipes/h100/gpt.yaml:57, moe.yaml:57) and bert with examples/bert/pretrain_bert.py (bert.yaml:56).
 * Inference cases run other scripts, so a case named for inference gets none.
 */
function functionalTestEntry(fileName: string | undefined): string | null {
  const m = /test_cases\/(gpt|moe|bert)\/([^/]*)/.exec(fileName ?? '');
  if (!m || /inference/.test(m[2] ?? '')) return null;
  return m[1] === 'bert' ? 'pretrain_bert.py' : 'pretrain_gpt.py';
}

/**
 * NeMo-Framework-Launcher's auto-configurator starts from `auto_configurator/base_configs/<model>.yaml` and writes
 * its own node count, parallel sizes and micro-batch size into a copy before anything runs (26e42fa9
 * auto_configurator/autoconfig/base_config.py:604 sets trainer.num_nodes; utils.py:440-457 sets TP, PP, VPP, CP, EP
 * and micro_batch_size). So those values of a base config are placeholders: a check built on them rests on the
 * base config being launched as it is.
 */
const AUTO_CONFIGURATOR_BASE = /(^|\/)auto_configurator\/base_configs\/[^/]+\.ya?ml$/;
const AUTO_CONFIGURATOR_SETS = [
  '--tensor-model-parallel-size',
  '--pipeline-model-parallel-size',
  '--virtual-pipeline-model-parallel-size',
  '--context-parallel-size',
  '--expert-model-parallel-size',
  '--micro-batch-size',
];
const AUTO_CONFIGURATOR_ASSUMPTION =
  'this auto-configurator base config is launched as it is (the auto-configurator replaces its node count and parallel sizes)';

function markAutoConfiguratorBase(y: ReturnType<typeof readYaml>): void {
  const assume = <T extends { assumptions?: string[] }>(x: T): void => {
    x.assumptions = [...(x.assumptions ?? []), AUTO_CONFIGURATOR_ASSUMPTION];
  };
  for (const flag of AUTO_CONFIGURATOR_SETS) {
    const setting = y.settings.get(flag);
    if (setting) assume(setting);
  }
  if (y.nodes) assume(y.nodes.source);
}

export function readYamlLaunch(text: string, fileName?: string): LaunchConfigRead {
  const y = readYaml(text);
  if (y.kind === 'nemo' && AUTO_CONFIGURATOR_BASE.test(fileName ?? '')) markAutoConfiguratorBase(y);
  if (!y.kind) {
    // A NeMo 2 recipe is not read as a launch, but the user still learns what it is and why nothing shows.
    const read = notALaunch('yaml');
    read.dialect = detectedDialect(yamlDialectEvidence(text), null);
    return read;
  }
  let world: WorldInfo;
  if (y.kind === 'nemo' && y.devices && y.nodes) world = worldFromCounts(y.devices, y.nodes);
  else if (y.kind === 'functional-test') world = harnessWorld();
  else world = noWorld('--yaml-cfg runs take the world size from torchrun (WORLD_SIZE) at run time');
  const anchor: SourceRange = y.documentRange ?? { line: 0, column: 0, endLine: 0, endColumn: 0 };
  const cmc = y.env.get('CUDA_DEVICE_MAX_CONNECTIONS');
  const read = finishRead(
    text,
    {
      format: 'yaml',
      commandRange: anchor,
      settings: y.settings,
      occurrences: y.occurrences,
      world,
      readerDiagnostics: y.diagnostics,
      leadingDiagnostics: y.diagnostics,
      anchor,
      cudaMaxConnections: cmc ? { value: cmc.value, range: cmc.range } : undefined,
      // The functional-test harness passes MODEL_ARGS on the command line, so the CLI rules apply.
      yamlPath: y.kind !== 'functional-test',
      nemo: y.kind === 'nemo',
      // A functional test's YAML merges shared argument blocks (`<<: *BASE_MODEL_ARGS`), which this reader does not
      // expand: a flag missing here may come from there.
      ...(y.kind === 'functional-test' &&
        text.includes('<<: *') && {
          runtimeArgs: [{ range: anchor, what: 'the YAML merge keys (`<<: *…`) this reader does not expand' }],
        }),
      ...(y.kind === 'functional-test' && { entry: functionalTestEntry(fileName) }),
    },
    dialectsOf(y.settings, false),
  );
  read.dialect = detectedDialect(yamlDialectEvidence(text), anchor);
  return read;
}
