// YAML launches read with what the file's path says about them (read/yamlLaunch.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';

// A NeMo base config in the shape of NeMo-Framework-Launcher's auto_configurator/base_configs/*.yaml: 1 node of 8
// GPUs with TP 4 × PP 8 (32 GPUs) — the numbers the auto-configurator overwrites before it launches anything.
const BASE = [
  'trainer:',
  '  num_nodes: 1',
  '  devices: 8',
  '  precision: bf16',
  'model:',
  '  micro_batch_size: 1',
  '  global_batch_size: 128',
  '  tensor_model_parallel_size: 4',
  '  pipeline_model_parallel_size: 8',
  '  encoder_seq_length: 4096',
  '  max_position_embeddings: 4096',
  '  num_layers: 80',
  '  hidden_size: 8192',
  '  num_attention_heads: 64',
  '',
].join('\n');

const worldCheck = (fileName: string) =>
  readLaunchConfig(BASE, fileName).diagnostics.filter((d) => d.code === 'world-size-not-divisible');

test('an auto-configurator base config: its node count and parallel sizes are placeholders, so no error', () => {
  // NeMo-Framework-Launcher 26e42fa9 auto_configurator/autoconfig/base_config.py:604 writes trainer.num_nodes and
  // utils.py:451-453 writes tensor/pipeline parallel sizes and micro_batch_size into the copy it launches.
  const base = worldCheck('NeMo-Framework-Launcher/auto_configurator/base_configs/qwen2_72b.yaml');
  assert.equal(base.length, 1);
  assert.equal(base[0]?.severity, 'warning');
  assert.match(base[0]?.message ?? '', /auto-configurator base config is launched as it is/);
  // The same YAML as a training config the user launches: 8 GPUs cannot hold TP·PP = 32, certainly.
  const launched = worldCheck('launcher_scripts/conf/training/qwen2/qwen2_72b.yaml');
  assert.equal(launched[0]?.severity, 'error');
});
