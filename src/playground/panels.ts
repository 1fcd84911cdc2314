/**
 * The panels beside the editor: the errors as parse() renders them (source
 * line and caret), the canonical text from format(), and the AST as JSON.
 */
import { format, type ParseResult, parse, stripSpans } from '../../grammar/index.js';

export interface Panels {
  readonly errors: HTMLElement;
  readonly formatted: HTMLElement;
  readonly ast: HTMLElement;
  /** Checked: the AST keeps its spans (offsets, lines and columns). */
  readonly withSpans: HTMLInputElement;
  readonly status: HTMLElement;
}

function formatted(result: ParseResult): string {
  if (result.statements.length === 0) return '';
  const text = format(result);
  return result.errors.length > 0 ? `-- statements with errors are left out\n${text}` : text;
}

/** Parses `text` once and fills every panel from the result. */
export function showResult(panels: Panels, text: string): void {
  const t0 = performance.now();
  const result = parse(text);
  const ms = performance.now() - t0;
  panels.errors.textContent = result.errors.map((e) => e.rendered).join('\n\n');
  panels.errors.classList.toggle('empty', result.errors.length === 0);
  panels.formatted.textContent = formatted(result);
  const ast = panels.withSpans.checked ? result.statements : stripSpans(result.statements);
  panels.ast.textContent = JSON.stringify(ast, null, 2);
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  panels.status.textContent = `${n(result.statements.length, 'statement')}, ${n(result.errors.length, 'error')} · parsed in ${ms.toFixed(1)} ms`;
}
