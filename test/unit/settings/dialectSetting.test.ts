// `scheduleInspector.dialect` → the core's option: `auto` leaves detection on, a known id overrides it, and a
// hand-edited value the core does not know is read as `auto` rather than handed on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SETTING_DEFAULTS } from '../../../src/settings/schema';
import { settingsToAnalyzeOptions } from '../../../src/settings/toAnalyzeOptions';

test('the dialect setting: auto by default, a known id passed on, anything else ignored', () => {
  assert.equal(SETTING_DEFAULTS.dialect, 'auto');
  assert.equal(settingsToAnalyzeOptions({ ...SETTING_DEFAULTS }).dialect, undefined);
  assert.equal(settingsToAnalyzeOptions({ ...SETTING_DEFAULTS, dialect: 'mindspeed-llm' }).dialect, 'mindspeed-llm');
  assert.equal(
    settingsToAnalyzeOptions({ ...SETTING_DEFAULTS, dialect: ' Megatron-DeepSpeed ' }).dialect,
    'megatron-deepspeed',
  );
  assert.equal(settingsToAnalyzeOptions({ ...SETTING_DEFAULTS, dialect: 'megatron-foo' }).dialect, undefined);
});
