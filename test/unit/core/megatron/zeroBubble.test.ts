// Zero-bubble schedule flags select the schedule the file runs (issue 12 §1).
// - microsoft/Megatron-DeepSpeed f4157bea megatron/arguments.py:856 `--enable-zbh1-pipeline`: the ZB-H1 schedule.
// - sail-sg/zero-bubble-pipeline-parallelism 39f2c186 megatron/core/zbpp_utils.py:27-29: with --enable-zero-bubble,
//   "when number of stages are 8, setting [--zero-bubble-max-pending-backward] to 16 will use zb2p and setting to 8
//   will use zb1p. Setting to auto will enable adaptive memory limit"; :44-45 --zero-bubble-v-schedule is ZB-V.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';

const launch = (flags: string): string =>
  'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 32 --hidden-size 2048 --num-attention-heads 16 ' +
  '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 64 --vocab-size 32000 ' +
  `--pipeline-model-parallel-size 8 --bf16 ${flags}\n`;

test('--enable-zbh1-pipeline and ZB-1p select the simulated ZB-H1 schedule', () => {
  assert.equal(
    analyze(launch('--deepspeed --enable-zbh1-pipeline'), { fileName: 'train.sh' }).selectedSchedule,
    'zb-h1',
  );
  const zb1p = analyze(launch('--enable-zero-bubble --zero-bubble-max-pending-backward 8'), { fileName: 'train.sh' });
  assert.equal(zb1p.selectedSchedule, 'zb-h1');
  assert.equal(
    zb1p.diagnostics.find((d) => d.code === 'schedule-not-simulated'),
    undefined,
  );
});

test('ZB-2p (a pending-backward limit of 2·PP or more) selects the simulated ZB-H2 schedule', () => {
  for (const limit of ['16', '20']) {
    const r = analyze(launch(`--enable-zero-bubble --zero-bubble-max-pending-backward ${limit}`), {
      fileName: 'train.sh',
    });
    assert.equal(r.selectedSchedule, 'zb-h2', limit);
    assert.equal(r.schedules['zb-h2']?.applicable, true, limit);
    assert.equal(
      r.diagnostics.find((d) => d.code === 'schedule-not-simulated'),
      undefined,
    );
  }
});

test('--zero-bubble-v-schedule selects the simulated ZB-V schedule with two chunks per rank', () => {
  // zbpp_utils.py:109-118: the fork sets virtual_pipeline_model_parallel_size = 2 itself.
  const r = analyze(launch('--zero-bubble-v-schedule'), { fileName: 'train.sh' });
  assert.equal(r.selectedSchedule, 'zb-v');
  assert.equal(r.schedules['zb-v']?.applicable, true, r.schedules['zb-v']?.reason ?? '');
  assert.equal(r.schedules['zb-v']?.virtualStages, 2);
  assert.equal(r.schedules['zb-v']?.whatIf, false);
  assert.equal(
    r.diagnostics.find((d) => d.code === 'schedule-not-simulated'),
    undefined,
  );
});

test('the adaptive schedule is named as not simulated, on its flag (DualPipeV is simulated: dualPipeV.test.ts)', () => {
  for (const [flags, what] of [
    ['--enable-zero-bubble', /^the adaptive \(auto\) zero-bubble schedule is not simulated yet/],
  ] as const) {
    const r = analyze(launch(flags), { fileName: 'train.sh' });
    assert.equal(r.selectedSchedule, '1f1b', flags);
    const d = r.diagnostics.find((x) => x.code === 'schedule-not-simulated');
    assert.equal(d?.severity, 'information', flags);
    assert.match(d.message, what);
  }
});
