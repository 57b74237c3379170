// What the timeline draws, as tables: the kinds of op a lane shows and the collectives its strip shows. The packed
// format (pack.ts) stores an op's row index here, the webview takes each row's colour, legend word and tooltip name
// from it, so a new kind (another simulator's pass) is one row here and one colour variable in media/webview.css.
// Shared by the host and the webview: no vscode, DOM or Node imports.

/** One kind of op in a lane. */
export interface OpKindRow {
  /** Tooltip name. */
  name: string;
  /** Legend word. */
  legend: string;
  /** Prefix of the op's label ("S3"): kinds told apart by colour alone are not prefixed. */
  labelPrefix: string;
  /** CSS variable the colour is read from (media/webview.css), and the colour when it is unset. */
  cssVar: string;
  fallbackRgb: readonly [number, number, number];
}

/** Rows 0-2 are the packed simulator's OP_F, OP_B, OP_W (core/types.ts); 3-4 the vocabulary passes. */
export const OP_KINDS: readonly OpKindRow[] = [
  { name: 'F (forward)', legend: 'F forward', labelPrefix: '', cssVar: '--si-forward', fallbackRgb: [55, 148, 255] },
  {
    name: 'B (backward)',
    legend: 'B backward',
    labelPrefix: '',
    cssVar: '--si-backward',
    fallbackRgb: [137, 209, 133],
  },
  {
    name: 'W (weight grad)',
    legend: 'W weight grad',
    labelPrefix: '',
    cssVar: '--si-weight',
    fallbackRgb: [177, 128, 215],
  },
  {
    name: 'S (output layer forward on this rank’s vocabulary shard)',
    legend: 'S output-layer forward (1/p of the vocabulary)',
    labelPrefix: 'S',
    cssVar: '--si-vocab-s',
    fallbackRgb: [17, 168, 205],
  },
  {
    name: 'T (output layer backward on this rank’s vocabulary shard)',
    legend: 'T output-layer backward',
    labelPrefix: 'T',
    cssVar: '--si-vocab-t',
    fallbackRgb: [188, 63, 188],
  },
];

/** Vocabulary Parallelism's passes (Yeung et al., MLSys 2025): rows of OP_KINDS. */
export const OP_S = 3;
export const OP_T = 4;

/** One kind of collective, drawn in the strip under every lane of the ranks that take part. */
export interface CollectiveKindRow {
  /** Name in the legend and the tooltip's first line. */
  name: string;
  /** Title of its row in the timeline's gutter (64 px wide). */
  short: string;
  /** What it moves, for the tooltip. */
  what: string;
  cssVar: string;
  fallbackRgb: readonly [number, number, number];
}

export const COLLECTIVE_KINDS: readonly CollectiveKindRow[] = [
  {
    name: 'broadcast',
    short: 'broadcast',
    what: 'the last stage’s output to every rank (fp32)',
    cssVar: '--si-p2p',
    fallbackRgb: [209, 134, 22],
  },
  {
    name: 'C0 all-reduce',
    short: 'C0',
    what: 'softmax statistics (max, sum of exponentials, target logit)',
    cssVar: '--si-vocab-c0',
    fallbackRgb: [229, 229, 16],
  },
  {
    name: 'C1 all-reduce',
    short: 'C1',
    what: 'the input gradient of the output layer',
    cssVar: '--si-vocab-c1',
    fallbackRgb: [160, 160, 160],
  },
];

export const COLL_BROADCAST = 0;
export const COLL_C0 = 1;
export const COLL_C1 = 2;
