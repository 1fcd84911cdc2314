/**
 * MapStatement (AST) → MapPlan: options checked and defaulted, the cascade
 * resolved inside the roots and loaded (so a bad file fails before any row
 * runs). The executor takes only the plan, never the AST.
 */

import { RvbbitError } from '../../../base/errors.js';
import type { OnError } from '../../../grammar/index.js';
import {
  type CopyMapStatement,
  type CreateTableAsStatement,
  type InsertMapStatement,
  type MapStatement,
  type TypeRef,
  withValues,
} from '../../../grammar/index.js';
import type { CallLimits } from '../../cascade/call-limits.js';
import type { Cascade } from '../../cascade/cascade-types.js';
import { loadCascade } from '../../cascade/load-cascade.js';
import type { CascadeResolver } from '../../plan/cascade-resolver.js';
import { type PlanDefaults, planLimits, withOrAnnotated } from '../../plan/plan-limits.js';
import type { UsingInput } from '../../plan/using-input.js';
import { inferredColumns } from './infer-columns.js';

export interface TypedColumn {
  readonly name: string;
  /** DuckDB type text, e.g. DOUBLE or DECIMAL(10,2). */
  readonly type: string;
}

export type MapOutput =
  | { readonly kind: 'single'; readonly name: string }
  | { readonly kind: 'typed'; readonly columns: readonly TypedColumn[] };

/** `usingSql` is the USING query as the user wrote it; `autoLimit` the rows appended as `LIMIT n` when it has none. */
export interface MapPlan extends UsingInput {
  readonly cascadePath: string;
  readonly cascade: Cascade;
  /** Where the USING text starts in the statement, for DuckDB error positions. */
  readonly usingOrigin?: { readonly line: number; readonly column: number };
  /** PARALLEL, budgets, model, timeout, retries, cache, delivery: carried unchanged to every chunk task. */
  readonly limits: CallLimits;
  readonly distinct: boolean;
  readonly dedupeBy?: string;
  readonly batch?: number;
  readonly output: MapOutput;
  readonly asTable?: string;
  /** CREATE TEMP TABLE … AS RVBBIT MAP. */
  readonly asTableTemporary?: boolean;
  /** INSERT INTO … RVBBIT MAP or COPY (RVBBIT MAP …) TO. */
  readonly write?: MapWrite;
  readonly onError: OnError;
}

/** Where a statement around the MAP writes its rows, with the place it was named (for errors). */
export type MapWrite =
  | {
      readonly kind: 'insert';
      /** The table as written (dotted parts), and its column list or undefined. */
      readonly table: readonly string[];
      readonly columns?: readonly string[];
      readonly at: { readonly line: number; readonly column: number };
    }
  | {
      readonly kind: 'copy';
      readonly path: string;
      /** The options' text with its parentheses, passed to DuckDB as written. */
      readonly options?: string;
      readonly at: { readonly line: number; readonly column: number };
    };

export const DEFAULT_MAP_LIMIT = 1000;

export function typeText(t: TypeRef): string {
  return t.precision === null ? t.name : `${t.name}(${t.precision}, ${t.scale ?? 0})`;
}

export async function planMap(
  stmt: MapStatement,
  resolver: CascadeResolver,
  defaults: PlanDefaults,
  around?: CreateTableAsStatement | InsertMapStatement | CopyMapStatement,
): Promise<MapPlan> {
  const createAs = around?.kind === 'CreateTableAsStatement' ? around : undefined;
  const given = withValues(stmt.with?.options);
  const w = withOrAnnotated(given, stmt.annotations);
  const cascadePath = resolver.resolve(stmt.cascade.value);
  const cascade = await loadCascade(cascadePath);
  let output: MapOutput;
  if (stmt.output?.kind === 'TypedColumns') {
    output = {
      kind: 'typed',
      columns: stmt.output.columns.map((c) => ({ name: c.name.name, type: typeText(c.type) })),
    };
  } else if (w.infer_schema) {
    output = { kind: 'typed', columns: inferredOrFail(stmt, cascade) };
  } else {
    output = { kind: 'single', name: stmt.output?.name.name ?? w.result_column ?? 'result' };
  }
  const asTable = createAs ? createAs.table.map((p) => p.name).join('.') : w.as_table;
  return {
    cascadePath,
    cascade,
    usingSql: stmt.using.sql,
    usingHasLimit: stmt.using.hasLimit,
    usingOrigin: { line: stmt.using.sqlSpan.line, column: stmt.using.sqlSpan.column },
    autoLimit: w.limit ?? DEFAULT_MAP_LIMIT,
    limits: planLimits(given, stmt.annotations, defaults, stmt.parallel?.value),
    distinct: stmt.distinct !== null,
    dedupeBy: w.dedupe_by,
    batch: stmt.batch?.value,
    output,
    asTable,
    asTableTemporary: createAs?.temporary ?? false,
    ...(around && around.kind !== 'CreateTableAsStatement' ? { write: mapWrite(around) } : {}),
    onError: w.on_error ?? 'keep',
  };
}

function mapWrite(stmt: InsertMapStatement | CopyMapStatement): MapWrite {
  if (stmt.kind === 'InsertMapStatement') {
    const at = stmt.table[0]!.span;
    return {
      kind: 'insert',
      table: stmt.table.map((p) => p.name),
      ...(stmt.columns ? { columns: stmt.columns.map((c) => c.name) } : {}),
      at: { line: at.line, column: at.column },
    };
  }
  return {
    kind: 'copy',
    path: stmt.path,
    ...(stmt.options ? { options: stmt.options } : {}),
    at: { line: stmt.pathSpan.line, column: stmt.pathSpan.column },
  };
}

/** The columns `infer_schema = TRUE` gives (the grammar has refused it beside AS), or MAP_BAD_OPTION at the option. */
function inferredOrFail(stmt: MapStatement, cascade: Cascade): TypedColumn[] {
  const inferred = inferredColumns(cascade, stmt.batch !== null);
  if (Array.isArray(inferred)) return inferred;
  const at = stmt.with!.options.find((o) => o.key === 'infer_schema')!.span;
  throw new RvbbitError(
    'MAP_BAD_OPTION',
    `infer_schema at line ${at.line}, column ${at.column}: cascade '${stmt.cascade.value}' has no columns to infer: ` +
      `${inferred.why}; write the columns with AS (name TYPE, …)`,
    { key: 'infer_schema', line: at.line, column: at.column },
  );
}
