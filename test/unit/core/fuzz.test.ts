// Fuzz acceptance test: ≥ 20,000 mutated and random inputs, plus fixed hostile ones, through readBash and
// readLaunchConfig. Properties, none of them a clock:
// - never throws, and never degrades to the reader's `internal error` diagnostic;
// - bounded output: the reader's documented work budgets (src/core/bash/interp.ts header: 12,000 argv words, 1 MB per
//   value, 4 MB in total; reader.ts: 200 diagnostics) hold on every input, so no input blows up exponentially;
// - the recursion and loop bombs end in the budget warning the user sees, not in silence;
// - finishes: a hang is caught by the unit runner's per-file timeout (scripts/unit-tests.mjs), far above the ~10 s the
//   whole file takes, so a loaded machine cannot fail it.
// How long each input takes is a bench figure (test/bench/fuzz.bench.ts, `npm run bench`), never asserted here.
// Seeded (FUZZ_SEED, FUZZ_CASES): the failing case index and seed are in the message, the input in a temp file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBash } from '../../../src/core/bash/reader';
import { readLaunchConfig } from '../../../src/core/read/readLaunchConfig';
import { FUZZ_CASES, FUZZ_SEED, fuzzInputs, hostileInputs } from '../../support/fuzzCorpus';

const MAX_WORDS = 12_000;
const MAX_WORD_CHARS = 1 << 20;
const MAX_TOTAL_CHARS = 4 << 20;
const MAX_DIAGNOSTICS = 200;

/** Keep the failing input whole (the message shows only its name or index). */
function dump(text: string): string {
  const file = join(tmpdir(), 'bash-fuzz-failure.sh');
  writeFileSync(file, text);
  return file;
}

/** Reads one input both ways; returns why it broke a property, or null. Throws what the readers throw. */
function violation(text: string): string | null {
  const bash = readBash(text);
  const read = readLaunchConfig(text, 'fuzz.sh');
  // Both readers turn a defect into an `internal error` diagnostic rather than throwing: that is a failure here too.
  const internal = [...bash.diagnostics, ...read.diagnostics].find((d) => d.message.startsWith('internal error'));
  if (internal) return internal.message;
  if (bash.diagnostics.length > MAX_DIAGNOSTICS) return `${bash.diagnostics.length} diagnostics`;
  let words = 0;
  let chars = 0;
  for (const inv of bash.invocations) {
    for (const w of [inv.entry, ...inv.args]) {
      const n = w.text?.length ?? 0;
      if (n > MAX_WORD_CHARS) return `a ${n}-character word`;
      words++;
      chars += n;
    }
  }
  if (words > MAX_WORDS) return `${words} argv words`;
  if (chars > MAX_TOTAL_CHARS) return `${chars} characters of argv`;
  return null;
}

function check(text: string, what: string): void {
  let why: string | null;
  try {
    why = violation(text);
  } catch (e) {
    why = `threw ${String(e)}`;
  }
  if (why !== null) assert.fail(`${what}: ${why} (input in ${dump(text)})`);
}

test('fuzz: hostile inputs are read without throwing, within the work budgets', () => {
  for (const h of hostileInputs()) {
    check(h.text, h.name);
    if (h.budget) {
      const warned = readBash(h.text).diagnostics.some(
        (d) => d.severity === 'warning' && /evaluation stopped|not followed/.test(d.message),
      );
      assert.ok(warned, `${h.name}: no warning that evaluation was cut short`);
    }
  }
});

test(`fuzz: ${FUZZ_CASES} mutated and random inputs (seed ${FUZZ_SEED})`, () => {
  let k = 0;
  for (const text of fuzzInputs(FUZZ_SEED, FUZZ_CASES)) check(text, `case ${k++} (seed ${FUZZ_SEED})`);
  assert.equal(k, FUZZ_CASES);
});
