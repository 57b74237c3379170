// Provider errors must never break the editor: log them and answer "nothing" instead.
import type * as vscode from 'vscode';

export function guarded<T>(log: vscode.LogOutputChannel, what: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (err) {
    log.error(`${what} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return fallback;
  }
}
