// The ONLY module that touches @vscode/webview-ui-toolkit. The toolkit is archived upstream (deprecated
// 2024-07, issue #561); everything else builds controls through these functions, so moving to
// @vscode-elements/elements or plain HTML is a change to this file alone. Only the components used are
// registered, which keeps the bundle small (the package is side-effect free and tree-shakes per component).
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;
export function registerControls(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodePanels(),
    vsCodePanelTab(),
    vsCodePanelView(),
    vsCodeTextField(),
  );
}

export interface Control<T> {
  element: HTMLElement;
  get(): T;
  set(value: T): void;
  setDisabled(disabled: boolean): void;
}

interface ValueElement extends HTMLElement {
  value: string;
  disabled: boolean;
}

function labelled(label: string, control: HTMLElement): HTMLElement {
  const wrap = document.createElement('label');
  wrap.className = 'si-control';
  const span = document.createElement('span');
  span.className = 'si-control-label';
  span.textContent = label;
  wrap.append(span, control);
  return wrap;
}

export interface Choice {
  value: string;
  label: string;
}

export interface Dropdown extends Control<string> {
  setChoices(choices: Choice[], value: string): void;
}

export function dropdown(
  id: string,
  label: string,
  choices: Choice[],
  value: string,
  onChange: (value: string) => void,
): Dropdown {
  const el = document.createElement('vscode-dropdown') as ValueElement;
  el.id = id;
  // The options the dropdown holds: each analysis offers the same lists, and rebuilding the toolkit's option
  // elements restyles and relays the whole toolbar on the way to the timeline's first paint (issue 16).
  let shown = '';
  const fill = (cs: Choice[], v: string): void => {
    const key = JSON.stringify(cs.map((c) => [c.value, c.label]));
    if (key === shown) {
      if (el.value !== v) el.value = v;
      return;
    }
    shown = key;
    el.replaceChildren(
      ...cs.map((c) => {
        const o = document.createElement('vscode-option') as ValueElement;
        o.setAttribute('value', c.value);
        o.textContent = c.label;
        if (c.value === v) o.setAttribute('selected', '');
        return o;
      }),
    );
    el.value = v;
  };
  fill(choices, value);
  el.addEventListener('change', () => onChange(el.value));
  return {
    element: labelled(label, el),
    get: () => el.value,
    set: (v) => {
      el.value = v;
    },
    setDisabled: (d) => {
      el.disabled = d;
    },
    setChoices: fill,
  };
}

/** An integer field; out-of-range or non-integer input is ignored (the field is reset) rather than sent. */
export function integerField(
  id: string,
  label: string,
  value: number,
  min: number,
  max: number,
  onChange: (value: number) => void,
): Control<number> {
  const el = document.createElement('vscode-text-field') as ValueElement;
  el.id = id;
  el.setAttribute('size', '4');
  el.value = String(value);
  let current = value;
  el.addEventListener('change', () => {
    const n = Number(el.value);
    if (Number.isInteger(n) && n >= min && n <= max) {
      current = n;
      onChange(n);
    } else {
      el.value = String(current);
    }
  });
  return {
    element: labelled(label, el),
    get: () => current,
    set: (v) => {
      current = v;
      el.value = String(v);
    },
    setDisabled: (d) => {
      el.disabled = d;
    },
  };
}

export function button(id: string, text: string, onClick: () => void, secondary = false): Control<void> {
  const el = document.createElement('vscode-button') as ValueElement;
  el.id = id;
  el.textContent = text;
  if (secondary) el.setAttribute('appearance', 'secondary');
  el.addEventListener('click', () => {
    if (!el.disabled) onClick();
  });
  return {
    element: el,
    get: () => undefined,
    set: () => undefined,
    setDisabled: (d) => {
      el.disabled = d;
    },
  };
}

export interface Tabs {
  element: HTMLElement;
  select(id: string): void;
}

/** Tabs whose views keep their DOM (canvases keep their state; hidden ones are redrawn when shown). */
export function tabs(
  defs: { id: string; label: string; content: HTMLElement }[],
  active: string,
  onChange: (id: string) => void,
): Tabs {
  const panels = document.createElement('vscode-panels') as HTMLElement & { activeid: string };
  for (const d of defs) {
    const tab = document.createElement('vscode-panel-tab');
    tab.id = `tab-${d.id}`;
    tab.textContent = d.label;
    panels.append(tab);
  }
  for (const d of defs) {
    const view = document.createElement('vscode-panel-view');
    view.id = `view-${d.id}`;
    view.append(d.content);
    panels.append(view);
  }
  panels.setAttribute('activeid', `tab-${active}`);
  panels.addEventListener('change', (e) => {
    if (e.target !== panels) return;
    const id = String(panels.activeid ?? '').replace(/^tab-/, '');
    if (defs.some((d) => d.id === id)) onChange(id);
  });
  return {
    element: panels,
    select: (id) => {
      panels.activeid = `tab-${id}`;
    },
  };
}
