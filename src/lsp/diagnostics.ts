/**
 * Diagnostics of one document: every parse() error (its code, from its
 * offset over the word there), then the checks that need the catalog: a
 * cascade path that resolves in no root, an operator word no cascade defines.
 * Unknown WITH keys are parse() errors already (E_UNKNOWN_WITH_KEY).
 */
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ChunkedAnalysis } from './chunked-analysis.js';
import type { LspContext } from './lsp-context.js';
import { errorEnd } from './text-spans.js';

export const SOURCE = 'rvbbit';

/** `analysis` is the document's own (it caches findings per statement between changes). */
export function diagnose(ctx: LspContext, doc: TextDocument, analysis: ChunkedAnalysis): Diagnostic[] {
  const text = doc.getText();
  const { errors, refs, unknown } = analysis.analyze(ctx.grammar, text);
  const range = (start: number, end: number) => ({ start: doc.positionAt(start), end: doc.positionAt(end) });
  const out: Diagnostic[] = errors.map((e) => ({
    range: range(e.offset, errorEnd(text, e.offset)),
    severity: DiagnosticSeverity.Error,
    code: e.code,
    source: SOURCE,
    message: e.message,
  }));
  if (ctx.catalog) {
    for (const ref of refs) {
      if (ctx.resolveCascade(ref.value) !== undefined) continue;
      out.push({
        range: range(ref.start, ref.end),
        severity: DiagnosticSeverity.Error,
        code: 'CASCADE_NOT_FOUND',
        source: SOURCE,
        message: `cascade '${ref.value}' is not in the cascade roots (${ctx.realRoots.join(', ')})`,
      });
    }
  }
  for (const u of unknown) {
    out.push({
      range: range(u.start, u.end),
      severity: DiagnosticSeverity.Warning,
      code: 'UNKNOWN_OPERATOR',
      source: SOURCE,
      message: `'${u.word}' is used as an operator, but no cascade in the roots defines it (sql_function.operators)`,
    });
  }
  return out;
}
