// Issue 19 in a real VS Code: the hover on the launch shows predicted vs measured from the log the script tees to,
// "Calibrate From Training Log" fits the knobs to that log, the file's lens, hover and what-ifs then use them, and
// "Reset Calibration" puts the model's own constants back.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activate, analysed, closeAll, hoverAt, lineOf, openFixture, positionOf, rendered, waitFor } from './helpers';

interface StepTimes {
  isLaunchConfig: boolean;
  selectedSchedule: string | null;
  schedules: Record<string, { stepTimeMs: number | null } | undefined>;
}

interface CalibrationApi {
  service: {
    get(document: vscode.TextDocument): StepTimes | undefined;
    analyzeWhatIf(document: vscode.TextDocument, overrides: { schedule?: string }): StepTimes | undefined;
  };
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const l = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10)) ?? [];
  return l.map((x) => x.command?.title ?? '');
}

const stepOf = (r: StepTimes | undefined): number => r?.schedules[r.selectedSchedule ?? '']?.stepTimeMs ?? NaN;

suite('Calibration from a training log', () => {
  let api: CalibrationApi;
  suiteSetup(async () => {
    api = (await activate()) as unknown as CalibrationApi;
  });
  teardown(async () => {
    await vscode.commands.executeCommand('scheduleInspector.resetCalibration');
    await closeAll();
  });

  test('hover, calibrate, what-ifs moved, reset', async () => {
    // logs/tee-run.log: 30 steady iterations at 120 ms after 10 of warm-up, no forward-backward timer.
    const { document } = await openFixture('tee-log.sh');
    const before = await analysed(api, document);
    await waitFor('the log lens', async () =>
      (await lensTitles(document.uri)).find((t) => t === 'Calibrate from tee-run.log'),
    );
    const hover = rendered(await hoverAt(document.uri, positionOf(document, 'torchrun')));
    assert.match(
      hover,
      /Measured\*\* \(logs\/tee-run\.log\): predicted [\d.]+ m?s · measured 120 ms \([+-][\d.]+ %, 30 iterations\)/,
    );
    const gpipeBefore = stepOf(api.service.analyzeWhatIf(document, { schedule: 'gpipe' }));
    // The flag hover's what-if table (its rows are cached per document version, which calibrating leaves alone).
    const ppRow = async (): Promise<string> => {
      const text = await hoverAt(document.uri, positionOf(document, '--pipeline-model-parallel-size'));
      const row = /\| \*\*2\*\* \(now\) \| ([^|]+) \|/.exec(text);
      assert.ok(row, text);
      return row[1]!.trim();
    };
    const ppNowBefore = await ppRow();

    const outcome = await vscode.commands.executeCommand<{ ok: boolean; reasons?: string[] }>(
      'scheduleInspector.calibrateFromLog',
      document.uri,
    );
    assert.ok(outcome?.ok, JSON.stringify(outcome));
    // The lens now agrees with the log, and says where its knobs come from.
    const titles = await waitFor('the calibrated lens', async () => {
      const t = await lensTitles(document.uri);
      return t.some((x) => x.startsWith('$(check) calibrated from logs/tee-run.log')) &&
        t.some((x) => x.includes('· measured 120 ms (+0.0 %') || x.includes('· measured 120 ms (-0.0 %'))
        ? t
        : undefined;
    });
    assert.ok(
      titles.some((t) => /^\$\(graph\) predicted 120 ms · measured 120 ms \([+-]0\.0 %, 30 iterations\)/.test(t)),
      titles.join(' | '),
    );
    const after = api.service.get(document);
    assert.ok(Math.abs(stepOf(after) - 120) < 1, `calibrated step ${stepOf(after)} (was ${stepOf(before)})`);
    // A what-if (another schedule on the same file) uses the knobs too.
    const gpipeAfter = stepOf(api.service.analyzeWhatIf(document, { schedule: 'gpipe' }));
    assert.ok(gpipeAfter > gpipeBefore * 1.2, `gpipe what-if ${gpipeBefore} → ${gpipeAfter}`);
    // The hover's what-if rows are re-analysed with the knobs: the current p's row reads the calibrated 120 ms.
    assert.equal(await ppRow(), '120 ms', `what-if row before calibrating: ${ppNowBefore}`);
    const calibratedHover = rendered(await hoverAt(document.uri, new vscode.Position(lineOf(document, 'torchrun'), 2)));
    assert.match(calibratedHover, /calibrated from logs\/tee-run\.log: GEMM efficiency [\d.]+ %, per-step overhead/);

    await vscode.commands.executeCommand('scheduleInspector.resetCalibration', document.uri);
    await waitFor('the uncalibrated lens', async () =>
      (await lensTitles(document.uri)).includes('Calibrate from tee-run.log'),
    );
    assert.ok(Math.abs(stepOf(api.service.get(document)) - stepOf(before)) < 1e-6);
    assert.equal(await ppRow(), ppNowBefore);
  });
});
