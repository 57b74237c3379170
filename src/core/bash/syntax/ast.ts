// Syntax tree of a bash script as the reader needs it. Positions are indices into the text that was parsed
// (the document itself, or a derived text such as an `eval` string, mapped back through its Src).

export const enum PK {
  Lit,
  Param,
  Arith,
  CmdSub,
}

interface PartBase {
  /** Inside double or single quotes: not subject to word splitting or pathname expansion. */
  q: boolean;
  i0: number;
  i1: number;
}

export interface LitPart extends PartBase {
  k: PK.Lit;
  text: string;
  /** Text corresponds 1:1 to the source characters i0..i1 (no escape or quote removal inside). */
  raw: boolean;
  /** Unquoted `*`, `?` or `[`: pathname expansion would apply. */
  glob: boolean;
}

export interface ParamPart extends PartBase {
  k: PK.Param;
  /** Variable name, positional digits, or a special parameter (@ * # ? $ ! - 0). */
  name: string;
  /** `${A[sub]}`: subscript word; `@`/`*` subscripts are in `all`. */
  sub: Word | null;
  all: '' | '@' | '*';
  /** `${#X}` */
  length: boolean;
  /** `${!X}` */
  indirect: boolean;
  /** Operator: '', ':-', '-', ':=', '=', ':+', '+', ':?', '?', '#', '##', '%', '%%', '/', '//', '/#', '/%', ':', '^^', '^', ',,', ',', '@' */
  op: string;
  arg: Word | null;
  arg2: Word | null;
  /** Set when the expansion is malformed or not modelled; the value is then unknown with this reason. */
  bad?: string;
}

export interface ArithPart extends PartBase {
  k: PK.Arith;
  expr: Word;
}

export interface CmdSubPart extends PartBase {
  k: PK.CmdSub;
  /** The command's first word as written (for messages), '' if none. */
  name: string;
  /** Parsed body for `$(…)`; null for backticks. */
  body: Cmd[] | null;
}

export type Part = LitPart | ParamPart | ArithPart | CmdSubPart;

export interface Word {
  parts: Part[];
  i0: number;
  i1: number;
  /** Arguments of declare/export/local/readonly that are assignments. */
  assign?: Assign;
}

export interface ArrayElem {
  key: Word | null;
  value: Word;
}

export interface Assign {
  name: string;
  index: Word | null;
  append: boolean;
  value: Word | null;
  array: ArrayElem[] | null;
  i0: number;
  i1: number;
  /** `CHECKPOINT_PATH=<Specify path>`: not bash, read as an unresolved placeholder. */
  placeholder?: string;
  /** Range of the value text (after `=`). */
  v0: number;
  v1: number;
}

export interface Heredoc {
  /** Body with expansions (unquoted delimiter) or one literal (quoted delimiter). */
  body: Word;
  quoted: boolean;
}

export interface Redir {
  op: string;
  target: Word | null;
  heredoc?: Heredoc;
  i0: number;
  i1: number;
}

export interface SimpleCmd {
  t: 'simple';
  assigns: Assign[];
  words: Word[];
  redirs: Redir[];
  i0: number;
  i1: number;
}
export interface IfCmd {
  t: 'if';
  clauses: { cond: Cmd[]; body: Cmd[] }[];
  elseBody: Cmd[] | null;
  i0: number;
  i1: number;
}
export interface WhileCmd {
  t: 'while';
  until: boolean;
  cond: Cmd[];
  body: Cmd[];
  i0: number;
  i1: number;
}
export interface ForCmd {
  t: 'for';
  name: string;
  /** null: iterate "$@". */
  words: Word[] | null;
  /** `for ((init; cond; step))` */
  arith: [Word, Word, Word] | null;
  select: boolean;
  body: Cmd[];
  i0: number;
  i1: number;
}
export interface CaseCmd {
  t: 'case';
  word: Word;
  items: { pats: Word[]; body: Cmd[]; term: string }[];
  i0: number;
  i1: number;
}
export interface GroupCmd {
  t: 'group' | 'subshell';
  body: Cmd[];
  redirs: Redir[];
  i0: number;
  i1: number;
}
export interface FuncCmd {
  t: 'func';
  name: string;
  body: Cmd;
  i0: number;
  i1: number;
}
export interface ArithCmd {
  t: 'arith';
  expr: Word;
  i0: number;
  i1: number;
}
export interface TestCmd {
  t: 'test';
  /** Words of `[[ … ]]`; operators (&&, ||, (, ), !) are Lit words with `op` set. */
  words: Word[];
  ops: (string | null)[];
  i0: number;
  i1: number;
}
export interface AndOrCmd {
  t: 'andor';
  first: Cmd;
  rest: { op: '&&' | '||'; cmd: Cmd }[];
  i0: number;
  i1: number;
}
export interface PipeCmd {
  t: 'pipe';
  bang: boolean;
  cmds: Cmd[];
  i0: number;
  i1: number;
}

export type Cmd =
  SimpleCmd | IfCmd | WhileCmd | ForCmd | CaseCmd | GroupCmd | FuncCmd | ArithCmd | TestCmd | AndOrCmd | PipeCmd;

/** A diagnostic found while parsing, in parse-text indices. */
export interface ParseDiag {
  code: string;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  i0: number;
  i1: number;
}

/** `#SBATCH` directive text with the index of its first option. */
export interface SbatchLine {
  text: string;
  i0: number;
}
