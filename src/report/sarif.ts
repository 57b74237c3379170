// `analyze --format sarif`: SARIF 2.1.0 for code scanning (GitHub annotates pull requests with it). One run for all
// analysed files; one rule per diagnostic code that appears, with its help text and a link into docs/diagnostics.md;
// one result per diagnostic, its region 1-based as SARIF counts, the file's dialect and what a finding rests on as
// properties. Schema: OASIS SARIF 2.1.0 (sarif-2.1.0-rtm.5.json) — test/unit/report/sarif.test.ts validates against it.
import type { AnalysisResult } from '../core/analyze';
import { DIAGNOSTIC_CODES } from '../core/megatron/rules';
import type { CoreDiagnostic, Severity, SourceRange } from '../core/types';
import { DOCS_URL, diagnosticHelpUrl } from './docs';
import { RULE_HELP } from './ruleHelp';

export interface SarifInput {
  /** The file as the user named it, relative to the working directory where possible (SARIF artifact URI). */
  uri: string;
  result: AnalysisResult;
}

export interface SarifTool {
  version: string;
}

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** SARIF has three levels that mean a finding; VS Code's information and hint are both `note`. */
function level(severity: Severity): 'error' | 'warning' | 'note' {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

/** 0-based, end-exclusive core ranges → SARIF's 1-based lines and columns (end column exclusive as well). */
function region(r: SourceRange): Record<string, number> {
  const out: Record<string, number> = { startLine: r.line + 1, startColumn: r.column + 1 };
  if (r.endLine !== r.line) out['endLine'] = r.endLine + 1;
  // An empty range (a missing value at the end of a line) still marks one column, so viewers can show it.
  out['endColumn'] = r.endLine === r.line && r.endColumn <= r.column ? r.column + 2 : r.endColumn + 1;
  return out;
}

/** What a finding rests on, as the rule's message names it: "(not certain: this holds only if …)". */
const NOT_CERTAIN = /\(not certain: this holds only if (.+)\)\s*$/;

function resultOf(d: CoreDiagnostic, file: SarifInput, ruleIndex: number): Record<string, unknown> {
  const rests = NOT_CERTAIN.exec(d.message)?.[1];
  const properties: Record<string, unknown> = { dialect: file.result.dialect?.id ?? 'unknown' };
  if (file.result.scriptKind) properties['scriptKind'] = file.result.scriptKind.id;
  if (rests) properties['assumptions'] = [rests];
  const location = (range: SourceRange, message?: string): Record<string, unknown> => ({
    physicalLocation: { artifactLocation: { uri: file.uri }, region: region(range) },
    ...(message !== undefined && { message: { text: message } }),
  });
  return {
    ruleId: d.code,
    ruleIndex,
    level: level(d.severity),
    message: { text: d.message },
    locations: [location(d.range)],
    ...(d.related?.length && { relatedLocations: d.related.map((r, id) => ({ id, ...location(r.range, r.message) })) }),
    properties,
  };
}

/** The meaning's first clause, without the docs' "Severity: …." lead. */
function shortText(help: string, code: string): string {
  const meaning = help.replace(/^Severity: [^.]*\.\s*/, '');
  // Up to the first sentence or clause end outside parentheses (GitHub shows it as the rule's title).
  let depth = 0;
  for (let i = 0; i < meaning.length; i++) {
    const c = meaning[i] as string;
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && '.:;!?'.includes(c) && /\s/.test(meaning[i + 1] ?? ' ')) {
      if (c === '.' && /\b(e\.g|i\.e|etc|vs)$/.test(meaning.slice(0, i))) continue;
      return meaning.slice(0, c === '.' || c === '!' || c === '?' ? i + 1 : i);
    }
  }
  return meaning || code.replace(/-/g, ' ');
}

function ruleOf(code: string): Record<string, unknown> {
  const info = DIAGNOSTIC_CODES.get(code);
  const severity = info?.severity ?? 'warning';
  const url = diagnosticHelpUrl(code);
  // Every registered code has a docs section (the registry test), so RULE_HELP has it once regenerated.
  const help = RULE_HELP.get(code) ?? { text: `See ${url}.`, markdown: `See [${code}](${url}).` };
  return {
    id: code,
    name: code.replace(/(^|-)(\w)/g, (_m, _dash: string, c: string) => c.toUpperCase()),
    shortDescription: { text: shortText(help.text, code) },
    fullDescription: { text: help.text },
    help: { text: `${help.text} (${url})`, markdown: `${help.markdown}\n\n[Documentation](${url})` },
    helpUri: url,
    defaultConfiguration: { level: level(severity) },
  };
}

/** One SARIF log for all files, results in file order, then line order as the core sorts them. */
export function buildSarif(files: readonly SarifInput[], tool: SarifTool): Record<string, unknown> {
  const ruleIds: string[] = [];
  const index = new Map<string, number>();
  const results: Record<string, unknown>[] = [];
  for (const file of files) {
    for (const d of file.result.diagnostics) {
      let i = index.get(d.code);
      if (i === undefined) {
        i = ruleIds.push(d.code) - 1;
        index.set(d.code, i);
      }
      results.push(resultOf(d, file, i));
    }
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Schedule Inspector',
            version: tool.version,
            informationUri: DOCS_URL + 'cli.md',
            rules: ruleIds.map(ruleOf),
          },
        },
        artifacts: files.map((f) => ({
          location: { uri: f.uri },
          properties: {
            dialect: f.result.dialect?.id ?? 'unknown',
            isLaunchConfig: f.result.isLaunchConfig,
            ...(f.result.scriptKind && { scriptKind: f.result.scriptKind.id }),
          },
        })),
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
