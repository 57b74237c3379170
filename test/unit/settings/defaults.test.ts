// One source per default: package.json's `contributes.configuration` (what VS Code shows and validates) against the
// code's single copy (settings/schema.ts, built from core/defaults.ts) and the bounds toAnalyzeOptions clamps to.
// A default or bound changed on one side only fails here.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GPU_PROFILES } from '../../../src/core/hardware/gpus';
import { DIALECT_IDS } from '../../../src/core/types';
import { SECTION, SETTING_BOUNDS, SETTING_DEFAULTS, type InspectorSettings } from '../../../src/settings/schema';
import { repoPath } from '../../support/paths';

interface SchemaProperty {
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: { minimum?: number; maximum?: number };
  markdownDescription?: string;
}

const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
  contributes: {
    configuration: { properties: Record<string, SchemaProperty> };
    commands: { command: string; category: string }[];
  };
  activationEvents: string[];
};
const props = pkg.contributes.configuration.properties;

/** settings key → package.json key (`inlayHintsEnabled` is the nested `inlayHints.enabled`). */
const KEYS: Record<keyof InspectorSettings, string> = {
  gpu: 'gpu',
  memoryWarningThreshold: 'memoryWarningThreshold',
  overheadGiB: 'memoryOverhead',
  efficiency: 'efficiency',
  candidateSplits: 'candidateSplits',
  bubbleHintThreshold: 'bubbleHintThreshold',
  inlayHintsEnabled: 'inlayHints.enabled',
  dialect: 'dialect',
};

function prop(key: keyof InspectorSettings): SchemaProperty {
  const p = props[`${SECTION}.${KEYS[key]}`];
  assert.ok(p, `package.json has no ${SECTION}.${KEYS[key]}`);
  return p;
}

test('every setting package.json declares is one the code reads, and the other way round', () => {
  assert.deepEqual(
    Object.keys(props).sort(),
    Object.values(KEYS)
      .map((k) => `${SECTION}.${k}`)
      .sort(),
  );
  for (const [key, p] of Object.entries(props)) assert.ok(p.markdownDescription, `${key} has a markdownDescription`);
});

test('package.json defaults are the code defaults', () => {
  for (const key of Object.keys(KEYS) as (keyof InspectorSettings)[]) {
    assert.deepEqual(prop(key).default, SETTING_DEFAULTS[key], key);
  }
});

test('package.json bounds are the ones the code clamps to; the GPU enum is the profile table', () => {
  for (const key of ['memoryWarningThreshold', 'overheadGiB', 'efficiency', 'bubbleHintThreshold'] as const) {
    assert.deepEqual([prop(key).minimum, prop(key).maximum], [SETTING_BOUNDS[key].min, SETTING_BOUNDS[key].max], key);
  }
  const splits = prop('candidateSplits');
  assert.deepEqual(
    [splits.items?.minimum, splits.items?.maximum, splits.maxItems],
    [SETTING_BOUNDS.candidateSplits.min, SETTING_BOUNDS.candidateSplits.max, SETTING_BOUNDS.candidateSplits.maxItems],
  );
  assert.deepEqual(
    prop('gpu').enum,
    GPU_PROFILES.map((g) => g.id),
  );
  assert.ok(
    GPU_PROFILES.some((g) => g.id === SETTING_DEFAULTS.gpu),
    'the default GPU is a known profile',
  );
  // The dialect enum is `auto` and the core's ids, nothing else: an id the core lacks would silently read as auto.
  assert.deepEqual(prop('dialect').enum, ['auto', ...DIALECT_IDS]);
});

test('commands and the panel activation are contributed under the extension category', () => {
  const commands = pkg.contributes.commands.map((c) => {
    assert.equal(c.category, 'Schedule Inspector');
    return c.command;
  });
  for (const id of ['analyze', 'openTimeline', 'compareSchedules', 'selectGpu', 'exportTrace', 'openExample'])
    assert.ok(commands.includes(`${SECTION}.${id}`), id);
  assert.ok(pkg.activationEvents.includes('onWebviewPanel:scheduleInspector.timeline'));
});
