/**
 * Deterministic cells: a built-in tool called with templated inputs.
 *
 * Inputs are rendered leaf by leaf: numbers, booleans and null pass unchanged;
 * lists and mappings are walked; a string that is exactly one `{{ expression }}`
 * evaluates to the expression's value with its type (so
 * `rows: "{{ outputs.load.rows }}"` passes the list itself), any other string
 * renders to text.
 */
import { errorMessage, RvbbitError } from '../../base/errors.js';
import { CascadeErrorCode } from './cascade-error.js';
import type { ToolCell, ToolName } from './cascade-types.js';
import { CellFailure } from './cell-failure.js';
import type { CompiledCell, InputTree } from './compile-cascade.js';
import { RenderStopped } from './render-bounds.js';
import type { RunSession } from './run-session.js';
import { evaluateTemplate } from './templates.js';

/** Rows `sql_data` returns when `limit` is not given. */
const SQL_DATA_DEFAULT_LIMIT = 10_000;

type Tool = (session: RunSession, inputs: Record<string, unknown>) => Promise<unknown>;

const TOOLS: Record<ToolName, Tool> = {
  echo: async (_session, inputs) => inputs,
  sql_data: sqlData,
};

export async function runToolCell(
  session: RunSession,
  cell: ToolCell,
  compiled: CompiledCell,
): Promise<unknown> {
  session.throwIfStopped();
  let inputs: Record<string, unknown>;
  try {
    inputs = evaluateTree(compiled.inputs!, session, cell.name) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof RenderStopped) throw session.stopFailure();
    throw new CellFailure(CascadeErrorCode.Template, `inputs: ${errorMessage(err)}`);
  }
  return TOOLS[cell.tool](session, inputs);
}

function evaluateTree(tree: InputTree, session: RunSession, cell: string): unknown {
  switch (tree.kind) {
    case 'template':
      return evaluateTemplate(
        tree.template,
        session.scope(),
        (w) => session.warn(`cell "${cell}": inputs: ${w}`),
        session.statementSignal,
      );
    case 'list':
      return tree.items.map((t) => evaluateTree(t, session, cell));
    case 'map':
      return Object.fromEntries(tree.entries.map(([k, t]) => [k, evaluateTree(t, session, cell)]));
    case 'value':
      return tree.value;
  }
}

async function sqlData(session: RunSession, inputs: Record<string, unknown>): Promise<unknown> {
  const query = inputs['query'];
  if (typeof query !== 'string' || query.trim() === '') {
    throw new CellFailure(CascadeErrorCode.Tool, 'sql_data: "query" must be a non-empty string');
  }
  const rawLimit = inputs['limit'] ?? SQL_DATA_DEFAULT_LIMIT;
  const limit = typeof rawLimit === 'string' && rawLimit.trim() !== '' ? Number(rawLimit) : rawLimit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new CellFailure(
      CascadeErrorCode.Tool,
      `sql_data: "limit" must be a positive integer (got ${JSON.stringify(rawLimit)})`,
    );
  }
  const host = session.ctx.host;
  if (!host) throw new CellFailure(CascadeErrorCode.Tool, 'sql_data: this run has no SQL host');
  try {
    const result = await host.sqlData(query, limit, session.signal);
    return { rows: result.rows, row_count: result.row_count, columns: result.columns };
  } catch (err) {
    if (session.signal.aborted) throw session.stopFailure();
    throw new CellFailure(
      err instanceof RvbbitError ? err.code : CascadeErrorCode.Tool,
      `sql_data: ${errorMessage(err)}`,
    );
  }
}
