// The shape of one row of the flag table and the builders the family files (shape.ts, parallelism.ts, …) write
// their rows with. table.ts assembles the families into FLAG_SPECS and re-exports these types.
import type { ConfigKey, RunConfig } from '../../types';

/** Which code base defines the flag; upstream Megatron-LM is 'megatron'. */
export type Dialect = 'megatron' | 'seq1f1b' | 'mindspeed' | 'deepspeed' | 'zero-bubble' | 'pai' | 'vocab-parallel';

interface DeprecationInfo {
  severity: 'error' | 'warning' | 'information' | 'hint';
  /** What to use instead, shown in the message. */
  message: string;
  /** A flag the fix renames this one to, when the meaning is the same. */
  renameTo?: string;
}

/** RunConfig fields whose value type is exactly `T | null`: the fields a flag of that type can set as it is. */
type KeysOfType<T> = {
  [K in ConfigKey]-?: [RunConfig[K]] extends [T | null] ? ([T | null] extends [RunConfig[K]] ? K : never) : never;
}[ConfigKey];
export type NumberKey = KeysOfType<number>;
export type BoolKey = KeysOfType<boolean>;
export type TextKey = KeysOfType<string>;

interface SpecCommon {
  /** Canonical spelling, e.g. `--pipeline-model-parallel-size`. */
  name: string;
  aliases?: string[];
  choices?: string[];
  /** nargs flags: minimum number of values ('+' = 1, '*' = 0, N = N). */
  minValues?: number;
  /** nargs flags: exact count when fixed (e.g. `--rampup-batch-size` takes 3). */
  exactValues?: number;
  doc: string;
  /** Every RunConfig field the flag influences (hovers and what-if rows read this). */
  keys?: ConfigKey[];
  dialect?: Dialect;
  deprecated?: DeprecationInfo;
  /** With `key`: other spellings read, in order, when this flag is absent (`--decoder-num-layers` for `--num-layers`). */
  fallbacks?: string[];
  /** With `key` and a null default: Megatron requires the flag; why the field stays unknown without it. */
  requiredReason?: string;
}

// `default` is Megatron's argparse default (null = None; megatron/training/arguments.py, see
// test/unit/megatron.flagDefaults.test.ts). `key` is the RunConfig field this flag alone sets — its value when
// given, else `default` — which megatron/resolve/plain.ts fills for every such spec. Fields that depend on several
// flags are computed in megatron/resolve/derived/, which read their defaults from this table too.
export interface NumberSpec extends SpecCommon {
  type: 'int' | 'float';
  default?: number | null;
  key?: NumberKey;
}
export interface SwitchSpec extends SpecCommon {
  type: 'store_true' | 'store_false';
  default?: boolean;
  key?: BoolKey;
}
export interface TextSpec extends SpecCommon {
  type: 'str' | 'choice';
  default?: string | null;
  key?: TextKey;
}
export interface ListSpec extends SpecCommon {
  type: 'nargs';
  default?: readonly string[] | null;
}
export type FlagSpec = NumberSpec | SwitchSpec | TextSpec | ListSpec;

type Extra<S> = Omit<S, 'name' | 'type' | 'doc'>;

/**
 * Row builders that append to `rows` in call order. A family file calls them top to bottom, so its rows keep the
 * order they are written in — the order lookups, suggestions and resolution read.
 */
export function rowBuilders(rows: FlagSpec[]) {
  return {
    int: (name: string, doc: string, extra: Extra<NumberSpec> = {}): void =>
      void rows.push({ name, type: 'int', doc, ...extra }),
    flt: (name: string, doc: string, extra: Extra<NumberSpec> = {}): void =>
      void rows.push({ name, type: 'float', doc, ...extra }),
    str: (name: string, doc: string, extra: Extra<TextSpec> = {}): void =>
      void rows.push({ name, type: 'str', doc, ...extra }),
    on: (name: string, doc: string, extra: Extra<SwitchSpec> = {}): void =>
      void rows.push({ name, type: 'store_true', doc, ...extra }),
    off: (name: string, doc: string, extra: Extra<SwitchSpec> = {}): void =>
      void rows.push({ name, type: 'store_false', doc, ...extra }),
    choice: (name: string, choices: string[], doc: string, extra: Extra<TextSpec> = {}): void =>
      void rows.push({ name, type: 'choice', doc, choices, ...extra }),
    list: (name: string, minValues: number, doc: string, extra: Extra<ListSpec> = {}): void =>
      void rows.push({ name, type: 'nargs', doc, minValues, ...extra }),
  };
}
