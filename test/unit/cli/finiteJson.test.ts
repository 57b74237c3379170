// `--json` never turns a NaN or an Infinity into `null` (issue 15): JSON.stringify does exactly that, silently, and a
// CI consumer would read "unknown". stringifyFinite throws instead, naming where the number sits; the CLI turns that
// into an internal error (exit 3). Every CLI test that writes JSON goes through it, so a non-finite number anywhere in
// a fixture's result fails the suite — the sweep below makes that explicit for every launch file in the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../../src/core/analyze';
import { toJson } from '../../../src/report/json';
import { NonFiniteNumberError, stringifyFinite } from '../../../src/cli/finiteJson';
import { EXIT_CODES } from '../../../src/cli/args';
import { runCliCaptured } from '../../support/cliHarness';
import { FUZZ_SEED, fuzzInputs, hostileInputs } from '../../support/fuzzCorpus';
import { repoPath } from '../../support/paths';

function thrown(value: unknown): NonFiniteNumberError {
  try {
    stringifyFinite(value, 2);
  } catch (e) {
    assert.ok(e instanceof NonFiniteNumberError, String(e));
    return e;
  }
  assert.fail('stringifyFinite accepted a non-finite number');
}

test('NaN, Infinity and -Infinity are thrown with their path, never written as null', () => {
  assert.equal(JSON.stringify({ x: NaN }), '{"x":null}', 'the JSON.stringify behaviour this guards against');
  const nan = thrown({ schedules: { '1f1b': { stepTimeMs: NaN } } });
  assert.deepEqual([nan.value, nan.path], [NaN, 'schedules.1f1b.stepTimeMs']);
  const inf = thrown({ schedules: { seq1f1b: { peakMemoryGiBPerStage: [1.5, 2, Infinity] } } });
  assert.equal(inf.path, 'schedules.seq1f1b.peakMemoryGiBPerStage[2]');
  assert.match(inf.message, /the result holds Infinity at schedules\.seq1f1b\.peakMemoryGiBPerStage\[2\]/);
  assert.equal(thrown([{ a: [0, [-Infinity]] }]).path, '[0].a[1][0]');
  assert.equal(thrown(NaN).path, '');
  assert.match(thrown(NaN).message, /at \(the top level\)/);
});

test('finite values are written exactly as JSON.stringify writes them', () => {
  const value = {
    a: 1,
    b: [0, -0, 1e-300, 1.7976931348623157e308],
    c: null,
    d: 'NaN',
    e: { f: [true, {}] },
    g: undefined,
  };
  assert.equal(stringifyFinite(value, 2), JSON.stringify(value, null, 2));
  assert.equal(stringifyFinite(value), JSON.stringify(value));
});

/** Every launch file of the repository (what json-parity writes), by path. */
function launchFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(sh|ya?ml)$/.test(name)) out.push(p);
    }
  };
  for (const root of ['media/examples', 'test/fixtures', 'test/integration/fixtures']) walk(repoPath(root));
  return out;
}

test('analyze --json on every launch file of the repository: exit 0, parseable, no non-finite number', () => {
  const files = launchFiles();
  assert.ok(files.length > 50, `only ${files.length} launch files found`);
  for (const file of files) {
    const r = runCliCaptured('analyze', file, '--json');
    assert.equal(r.code, EXIT_CODES.ok, `${file}: ${r.stderr}`);
    assert.equal(JSON.parse(r.stdout).file, file);
  }
});

test('the JSON of hostile and seeded fuzz inputs holds only finite numbers', () => {
  const inputs = [...hostileInputs().map((h) => h.text), ...fuzzInputs(FUZZ_SEED, 300)];
  for (const [i, text] of inputs.entries()) {
    for (const fileName of ['launch.sh', 'config.yaml']) {
      assert.doesNotThrow(
        () => stringifyFinite(toJson(fileName, analyze(text, { fileName }))),
        `input ${i} as ${fileName}: ${text.slice(0, 80)}`,
      );
    }
  }
});

test('issue 15 regressions: values that once became Infinity or NaN give exit 0 and a diagnostic, not a null', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'si-cli-finite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A plain Megatron-LM launch; each case appends one hostile flag.
  const launch = (extra: string): string =>
    [
      'torchrun --nproc_per_node 8 pretrain_gpt.py \\',
      '  --num-layers 32 --hidden-size 4096 --num-attention-heads 32 --seq-length 4096 \\',
      '  --max-position-embeddings 4096 --micro-batch-size 1 --global-batch-size 64 \\',
      '  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2 --bf16 \\',
      `  --vocab-size 32000 ${extra}`,
      '',
    ].join('\n');
  for (const [extra, key] of [
    // A float in Megatron (megatron/core/transformer/transformer_config.py:191, `attention_dropout: float`), and
    // 1e400 parses to Infinity in Python's float() and in JavaScript alike.
    ['--attention-dropout 1e400', 'attentionDropout'],
    // Megatron pads the vocabulary to a multiple of it times TP (megatron/training/vocab_utils.py:58, after raising
    // ValueError on a value <= 0 at :53): 0 once made every step time NaN.
    ['--make-vocab-size-divisible-by 0', 'makeVocabSizeDivisibleBy'],
  ] as const) {
    const file = join(dir, 'launch.sh');
    writeFileSync(file, launch(extra));
    const r = runCliCaptured('analyze', file, '--json');
    assert.equal(r.code, EXIT_CODES.ok, `${extra}: ${r.stderr}`);
    const json = JSON.parse(r.stdout) as { config: Record<string, unknown>; diagnostics: { line: number }[] };
    assert.equal(json.config[key], null, `${extra}: ${key} is unknown, not a number`);
    assert.ok(
      json.diagnostics.some((d) => d.line === 4),
      `${extra}: a diagnostic on the flag's line (got lines ${json.diagnostics.map((d) => d.line).join(', ')})`,
    );
  }
});
