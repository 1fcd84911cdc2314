/**
 * Errors for a terminal: the message as the engine shaped it (a grammar error
 * with its caret, a DuckDB error with its position), a stack only with --debug.
 */
import { RvbbitError } from '../../base/errors.js';

function errorText(err: unknown, debug: boolean): string {
  if (debug && err instanceof Error && err.stack) {
    const code = err instanceof RvbbitError ? `[${err.code}] ` : '';
    return `${code}${err.stack}\n`;
  }
  if (err instanceof RvbbitError) {
    const lines = err.message.split('\n');
    // Grammar errors repeat their first line inside the rendered block.
    // DuckDB errors whose first line only repeats the next with a position: the caret below says it.
    const repeated =
      lines.length > 1 &&
      (lines[1]!.startsWith('error[') || (lines[1] !== '' && lines[0]!.startsWith(lines[1]!)));
    const body = repeated ? lines.slice(1) : lines;
    return `${body.join('\n')}\n`;
  }
  return `error: ${err instanceof Error ? err.message : String(err)}\n`;
}

export function printError(err: unknown, debug: boolean): void {
  process.stderr.write(errorText(err, debug));
}
