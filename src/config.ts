// Typed view of the `scheduleInspector.*` settings. package.json is the schema; this file mirrors it and is the only
// place that reads the configuration, so a renamed key breaks here and nowhere else.
import * as vscode from 'vscode';
import type { AnalyzeOptions } from './core/analyze';
import { DEFAULT_GPU_ID } from './core/hardware/gpus';
import { DEFAULT_BUBBLE_HINT_FRACTION } from './core/schedule/engine';
import { settingsToAnalyzeOptions, type InspectorSettings } from './editor/settings';

export const SECTION = 'scheduleInspector';

export function readSettings(): InspectorSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    gpu: c.get<string>('gpu', DEFAULT_GPU_ID),
    memoryWarningThreshold: c.get<number>('memoryWarningThreshold', 0.9),
    overheadGiB: c.get<number | null>('overheadGiB', null),
    efficiency: c.get<number | null>('efficiency', null),
    candidateSplits: c.get<number[]>('candidateSplits', [1, 2, 4, 8]),
    bubbleHintThreshold: c.get<number>('bubbleHintThreshold', DEFAULT_BUBBLE_HINT_FRACTION),
    inlayHintsEnabled: c.get<boolean>('inlayHints.enabled', true),
  };
}

export function readAnalyzeOptions(): AnalyzeOptions {
  return settingsToAnalyzeOptions(readSettings());
}
