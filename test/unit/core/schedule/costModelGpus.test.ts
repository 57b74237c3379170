import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GPU_ID } from '../../../../src/core/defaults';
import { GPU_PROFILES, getGpuProfile, isKnownGpu } from '../../../../src/core/hardware/gpus';

test('GPU profiles: complete, positive, sourced, and NVLink faster than the network', () => {
  const ids = new Set<string>();
  for (const g of GPU_PROFILES) {
    assert.ok(!ids.has(g.id), `duplicate ${g.id}`);
    ids.add(g.id);
    for (const key of [
      'memoryGiB',
      'peakTflops16',
      'peakTflops32',
      'intraNodeGBps',
      'interNodeGBps',
      'intraNodeLatencyUs',
      'interNodeLatencyUs',
    ] as const) {
      assert.ok(Number.isFinite(g[key]) && g[key] > 0, `${g.id}.${key}`);
    }
    assert.ok(g.source.length > 20, `${g.id} needs a source`);
    assert.ok(g.intraNodeGBps > g.interNodeGBps && g.intraNodeLatencyUs <= g.interNodeLatencyUs, g.id);
    assert.ok(g.peakTflops16 > g.peakTflops32, g.id);
  }
  // Datasheet anchors (dense bf16): A100 312, H100 989 TFLOP/s; A100 80GB reports 81920 MiB.
  assert.equal(getGpuProfile('a100-80gb').peakTflops16, 312);
  assert.equal(getGpuProfile('h100-80gb').peakTflops16, 989);
  assert.equal(getGpuProfile('a100-80gb').memoryGiB, 80);
  assert.equal(getGpuProfile('A100-80GB').id, 'a100-80gb');
  assert.equal(getGpuProfile('no-such-gpu').id, DEFAULT_GPU_ID);
  assert.equal(isKnownGpu('h200-141gb'), true);
  assert.equal(isKnownGpu('v100'), false);
});
