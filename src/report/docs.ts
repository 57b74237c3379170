// Where our user docs live, for links from every surface: the editor's diagnostic codes, the SARIF rules' help URIs.
import { DIAGNOSTIC_CODES } from '../core/megatron/rules';

export const DOCS_URL = 'https://github.com/schedule-inspector/schedule-inspector/blob/main/docs/';

/**
 * Where a diagnostic code is explained: its section in docs/diagnostics.md, from the rule registry (the registry test
 * keeps registry and docs equal, so every code the editor shows links to a real heading).
 */
export function diagnosticHelpUrl(code: string): string {
  const anchor = DIAGNOSTIC_CODES.get(code)?.docs ?? 'diagnostics.md';
  return DOCS_URL + anchor;
}
