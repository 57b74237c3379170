// Core ranges (0-based, end-exclusive columns) map one-to-one onto VS Code ranges; clamping to the document keeps a
// stale or off-by-one range from the core from throwing inside a provider.
import * as vscode from 'vscode';
import type { SourceRange, TextEdit } from '../core/types';

export function toRange(r: SourceRange, document?: vscode.TextDocument): vscode.Range {
  const range = new vscode.Range(
    Math.max(0, r.line),
    Math.max(0, r.column),
    Math.max(0, r.endLine),
    Math.max(0, r.endColumn),
  );
  return document ? document.validateRange(range) : range;
}

export function toTextEdit(e: TextEdit, document: vscode.TextDocument): vscode.TextEdit {
  return new vscode.TextEdit(toRange(e.range, document), e.newText);
}
