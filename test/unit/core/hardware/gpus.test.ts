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

test('what the cost model needs: HBM bandwidth and FP8 peak from the datasheets, a calibrated GEMM ceiling', () => {
  // HBM (GB/s): A100 40GB 1,555 and 80GB 2,039; H100 SXM 3,350, PCIe 2,000; H200 4,800; B200 8,000 (NVIDIA datasheets).
  const hbm = Object.fromEntries(GPU_PROFILES.map((g) => [g.id, g.hbmGBps]));
  assert.deepEqual(
    {
      a40: hbm['a100-40gb'],
      a80: hbm['a100-80gb'],
      h: hbm['h100-80gb'],
      hp: hbm['h100-pcie'],
      h200: hbm['h200-141gb'],
      b: hbm.b200,
    },
    { a40: 1555, a80: 2039, h: 3350, hp: 2000, h200: 4800, b: 8000 },
  );
  // Dense FP8 is twice dense BF16 on Hopper and Blackwell; Ampere has no FP8 tensor cores.
  for (const id of ['h100-80gb', 'h100-pcie', 'h200-141gb', 'b200']) {
    const g = getGpuProfile(id);
    assert.ok(Math.abs(g.peakTflops8! / g.peakTflops16 - 2) < 0.01, id);
  }
  assert.equal(getGpuProfile('a100-80gb').peakTflops8, undefined);
  // H100 PCIe: 756 TFLOP/s dense BF16 and no NVSwitch (PCIe Gen5 between GPUs).
  assert.equal(getGpuProfile('h100-pcie').peakTflops16, 756);
  assert.ok(getGpuProfile('h100-pcie').intraNodeGBps < getGpuProfile('h100-80gb').intraNodeGBps);
  // Ascend 910B (MindSpeed-LLM users): Atlas 800T A2, 2.5 PFLOP/s FP16 over 8 NPUs, 64 GB each.
  const npu = getGpuProfile('ascend-910b');
  assert.equal(npu.id, 'ascend-910b');
  assert.equal(Math.round(npu.peakTflops16 * 8), 2504);
  assert.equal(npu.memoryGiB, 64);
  // The GEMM ceiling is a fraction of peak; A100's 0.80 is the calibrated one (Zero Bubble Table 9 W passes: 0.76–0.81).
  for (const g of GPU_PROFILES) assert.ok(g.gemmEfficiency! > 0.5 && g.gemmEfficiency! <= 1, g.id);
  assert.equal(getGpuProfile('a100-80gb').gemmEfficiency, 0.8);
});
