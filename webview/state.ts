// Persisted UI intent only (tab, window, selection, what-if knobs), never analysis data: the host resends the
// data on every load, and persisting it would show stale numbers after the file changed (GitLens architecture
// doc). Versioned so a future shape change drops old state instead of misreading it.
import { SCHEDULE_NAMES, type ScheduleName } from '../src/core/types';
import { TABS, isWhatIfOverrides, type Tab, type WhatIfOverrides } from '../src/protocol/messages';
import { isViewport, type Viewport } from './timeline/viewport';

const UI_STATE_VERSION = 1;

export interface UiState {
  v: typeof UI_STATE_VERSION;
  tab: Tab;
  schedule: ScheduleName | null;
  viewport: Viewport | null;
  highlightMicrobatch: number;
  overrides: WhatIfOverrides;
}

function defaultUiState(): UiState {
  return {
    v: UI_STATE_VERSION,
    tab: 'timeline',
    schedule: null,
    viewport: null,
    highlightMicrobatch: -1,
    overrides: {},
  };
}

export function restoreUiState(raw: unknown): UiState {
  const d = defaultUiState();
  if (typeof raw !== 'object' || raw === null || (raw as UiState).v !== UI_STATE_VERSION) return d;
  const s = raw as Partial<UiState>;
  return {
    v: UI_STATE_VERSION,
    tab: (TABS as readonly unknown[]).includes(s.tab) ? (s.tab as Tab) : d.tab,
    schedule: (SCHEDULE_NAMES as readonly unknown[]).includes(s.schedule) ? (s.schedule as ScheduleName) : null,
    viewport: isViewport(s.viewport) ? s.viewport : null,
    highlightMicrobatch: Number.isInteger(s.highlightMicrobatch) ? (s.highlightMicrobatch as number) : -1,
    overrides: isWhatIfOverrides(s.overrides) ? s.overrides : {},
  };
}
