// The only place that reads the `scheduleInspector.*` configuration, so a renamed key breaks here and nowhere else.
import * as vscode from 'vscode';
import type { AnalyzeOptions } from '../core/analyze';
import { SECTION, SETTING_DEFAULTS as D, type InspectorSettings } from './schema';
import { settingsToAnalyzeOptions } from './toAnalyzeOptions';

export function readSettings(): InspectorSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    gpu: c.get<string>('gpu', D.gpu),
    memoryWarningThreshold: c.get<number>('memoryWarningThreshold', D.memoryWarningThreshold),
    // `memoryOverhead` (VS Code titles a key from its camelCase words; `overheadGiB` read "Overhead Gi B"); a value
    // under the old key, which package.json no longer declares, is still honoured.
    overheadGiB: c.get<number | null>('memoryOverhead', c.get<number | null>('overheadGiB', D.overheadGiB)),
    efficiency: c.get<number | null>('efficiency', D.efficiency),
    candidateSplits: c.get<readonly number[]>('candidateSplits', D.candidateSplits),
    bubbleHintThreshold: c.get<number>('bubbleHintThreshold', D.bubbleHintThreshold),
    inlayHintsEnabled: c.get<boolean>('inlayHints.enabled', D.inlayHintsEnabled),
    dialect: c.get<string>('dialect', D.dialect),
  };
}

export function readAnalyzeOptions(): AnalyzeOptions {
  return settingsToAnalyzeOptions(readSettings());
}
