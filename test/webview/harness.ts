// Node-side helpers for the webview runner and bench, bundled by esbuild at test time (run.mjs), so the tests
// build pages and payloads with the same code the extension and the CLI use.
export { buildPageHtml, contentSecurityPolicy } from '../../src/report/page';
export { buildAnalysisMessage } from '../../src/protocol/payload';
export { vocabTimeline } from '../../src/protocol/vocabTimeline';
export { encodeReportMessages } from '../../src/protocol/reportData';
export { isWebviewToHost, PROTOCOL_VERSION } from '../../src/protocol/messages';
export { synthAnalysis, synthEvaluation } from '../support/timelineFixtures';
export { analyze } from '../../src/core/analyze';
export { SCHEDULE_NAMES } from '../../src/core/types';
