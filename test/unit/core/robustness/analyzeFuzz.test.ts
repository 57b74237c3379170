// Issue 15 acceptance in the unit suite: a few thousand seeded inputs (mutated launch fixtures, bash and YAML, and
// hostile one-liners; test/support/analysisFuzz.ts) through analyze(), the path of the editor and the CLI. For each:
// no throw, no non-finite number anywhere in the result, no `internal-error`. No clock: `npm run fuzz` runs 100k+
// inputs with timings; a hang here is caught by the unit runner's per-file timeout.
// ANALYSIS_FUZZ_SEED / ANALYSIS_FUZZ_CASES reproduce or widen a run; a failing input is written to a temp file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../../../src/core/analyze';
import { analysisFuzzInputs, nonFinitePath, type FuzzInput } from '../../../support/analysisFuzz';

const SEED = Number(process.env['ANALYSIS_FUZZ_SEED'] ?? 20261207);
const CASES = Number(process.env['ANALYSIS_FUZZ_CASES'] ?? 1500);

function violation(input: FuzzInput): string | null {
  let result;
  try {
    result = analyze(input.text, { fileName: input.fileName });
  } catch (e) {
    return `threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
  const internal = result.diagnostics.find((d) => d.code === 'internal-error');
  if (internal) return internal.message;
  const where = nonFinitePath(result);
  return where === null ? null : `non-finite number at ${where}`;
}

test(`analyze() fuzz: ${CASES} seeded inputs (seed ${SEED}) never throw, never yield NaN/Infinity or internal errors`, () => {
  let k = 0;
  for (const input of analysisFuzzInputs(SEED, CASES)) {
    const why = violation(input);
    if (why !== null) {
      const file = join(tmpdir(), `analyze-fuzz-failure-${input.fileName.replace(/[^\w.-]/g, '_')}`);
      writeFileSync(file, input.text);
      assert.fail(`case ${k} (seed ${SEED}, ${input.fileName}): ${why} (input in ${file})`);
    }
    k++;
  }
  assert.equal(k, CASES);
});
