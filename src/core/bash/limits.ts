// Every bound of the bash reader, with its reason. Any input must finish in bounded time and memory (ARCHITECTURE.md
// "Work is bounded"); past a bound values become unknown or the evaluation stops with a `bash-budget` warning
// (parse-side bounds report `bash-syntax`, since there the text itself is what cannot be read).
// interp/budget.ts does the accounting against the run-time bounds.

// ── Parsing (syntax/) ─────────────────────────────────────────────────────────────────────────────
/** Nested lists, quotes and expansions; deeper text is skipped iteratively so a 5,000-deep `${…}` cannot exhaust the stack. */
export const MAX_PARSE_DEPTH = 120;
/** Unterminated constructs re-scanned (each resumes behind the cursor); past this the rest of the file is not read. */
export const MAX_RECOVERIES = 8;
/** Syntax diagnostics per parsed text. */
export const MAX_PARSE_DIAGS = 50;
/** Real launch commands have a few hundred words; past this a (generated or hostile) line is skimmed, not parsed. */
export const MAX_WORDS_PER_COMMAND = 2048;

// ── Running (interp/) ─────────────────────────────────────────────────────────────────────────────
/** Commands and expansions evaluated per read; realistic scripts need a few hundred (the 320-line fixture: ~410). */
export const MAX_STEPS = 2_500;
/** Iterations of one decided loop. */
export const MAX_LOOP_ITERATIONS = 64;
/** Function calls and derived scripts inlined inside each other. */
export const MAX_CALL_DEPTH = 16;
/** Launches recorded per read (a sweep over 32 configurations is already more than anyone reads). */
export const MAX_INVOCATIONS = 32;
/** One eval / bash -c / heredoc script (real ones are a few KB; a heredoc holding a whole job script maybe 100 KB). */
export const MAX_DERIVED_CHARS = 256 * 1024;
/** All such scripts of one read together (a self-doubling `eval` chain would otherwise re-parse megabytes). */
export const MAX_DERIVED_TOTAL = 512 * 1024;
/** eval / bash -c / heredoc scripts per read (a sweep loop of 64 evals is realistic; a self-spawning eval is not). */
export const MAX_DERIVED_RUNS = 256;
/** Elements one array literal may create (arrays copied into themselves double each time). */
export const MAX_ARRAY_ELEMENTS = 100_000;

// ── Expansion (expand/) ───────────────────────────────────────────────────────────────────────────
/** Characters of one value (doubling `A="$A$A"` reaches this after 20 rounds). */
export const MAX_VALUE_CHARS = 1 << 20;
/** Characters produced over the whole read. */
export const MAX_TOTAL_CHARS = 4 << 20;
/** Fields one command may expand to (arrays of arrays can multiply); the rest are dropped with a warning. */
export const MAX_FIELDS_PER_COMMAND = 8192;
/** Fields produced over the whole run. */
export const MAX_FIELDS_TOTAL = 12_000;
/** `declare -n` chains followed (a nameref cycle would otherwise loop). */
export const MAX_NAMEREF_HOPS = 8;
/** Longest value `${X#pat}` / `${X/pat/rep}` match on: the matching is quadratic in the value. */
export const MAX_PATTERN_VALUE = 4096;
/** Nesting of `[ … ]` / `[[ … ]]` parentheses and `!`. */
export const MAX_TEST_DEPTH = 64;
/** Arithmetic: a variable's value is itself an expression; chains deeper than this refer to themselves. */
export const MAX_ARITH_VAR_DEPTH = 16;
/** Arithmetic: parentheses and chains of unary operators (each level recurses). */
export const MAX_ARITH_PAREN_DEPTH = 100;

// ── Provenance (value.ts) ─────────────────────────────────────────────────────────────────────────
/** Longest origin chain kept; deeper provenance is rarely useful and self-referencing definitions would grow it without end. */
export const MAX_ORIGIN_CHAIN = 8;
/** Segments kept per value; past this provenance is coarsened to one segment (doubling `A="$A$A"` chains). */
export const MAX_SEGS = 512;
/**
 * Segment copies allowed per read. Accumulating into a variable inside a recursion bomb copies its segments again
 * and again; past this budget every value is kept as a single segment, so the cost per copy becomes constant.
 */
export const MAX_SEG_COPIES = 100_000;

// ── Result (reader.ts) ────────────────────────────────────────────────────────────────────────────
/** Diagnostics per read: every parser caps its own, but eval strings and heredocs each have one. */
export const MAX_DIAGNOSTICS = 200;
