/**
 * The RVBBIT AST: readonly data tagged by `kind`, a span on every node
 * (Kysely's operation-node style). Passes that rewrite it build new nodes.
 * @see ../docs/dialect.md
 */
import type { Annotation } from './annotation-node.js';
import type { CreateSemanticFunctionStatement, DropSemanticFunctionStatement } from './semantic-function.js';
import type { SemanticCalls } from './semantic-nodes.js';
import type { Span } from './span.js';
import type { WithOption } from './statement-options.js';

export type { Annotation } from './annotation-node.js';
export type {
  CreateSemanticFunctionStatement,
  DropSemanticFunctionStatement,
  SemanticFunctionArg,
  SourceText,
  WithValue,
} from './semantic-function.js';
export type {
  AggregateCall,
  Clause,
  Operand,
  OperatorCall,
  RelevanceOrder,
  SemanticCalls,
  SemanticJoin,
} from './semantic-nodes.js';
export type { Span } from './span.js';
export type { WithKey, WithOption, WithOptionValues } from './statement-options.js';
export type { CacheSetting, Duration, OnError } from './with-options.js';

/** A bare or double-quoted identifier; `name` is unescaped. */
export interface Identifier {
  readonly kind: 'Identifier';
  readonly name: string;
  readonly quoted: boolean;
  readonly span: Span;
}

/** `'traits/extract_brand.yaml'` or a registered cascade id. */
export interface CascadeRef {
  readonly kind: 'CascadeRef';
  readonly value: string;
  readonly span: Span;
}

export interface ParallelModifier {
  readonly kind: 'ParallelModifier';
  readonly value: number;
  readonly span: Span;
}
export interface DistinctModifier {
  readonly kind: 'DistinctModifier';
  readonly span: Span;
}
export interface BatchModifier {
  readonly kind: 'BatchModifier';
  readonly value: number;
  readonly span: Span;
}

/** A type of the spec, upper-cased as written (TEXT stays TEXT); DECIMAL may carry (p, s). */
export interface TypeRef {
  readonly kind: 'TypeRef';
  readonly name: string;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly span: Span;
}
export interface ColumnDef {
  readonly kind: 'ColumnDef';
  readonly name: Identifier;
  readonly type: TypeRef;
  readonly span: Span;
}
/** `AS name` */
export interface ResultColumn {
  readonly kind: 'ResultColumn';
  readonly name: Identifier;
  readonly span: Span;
}
/** `AS (col type, …)` */
export interface TypedColumns {
  readonly kind: 'TypedColumns';
  readonly columns: readonly ColumnDef[];
  readonly span: Span;
}

/** `USING ( sql )`: `sql` is the exact text between the parentheses. */
export interface UsingClause extends SemanticCalls {
  readonly kind: 'UsingClause';
  readonly sql: string;
  readonly sqlSpan: Span;
  /** A LIMIT at parenthesis depth 0 (then the auto-LIMIT is not added). */
  readonly hasLimit: boolean;
  readonly span: Span;
}

export interface WithClause {
  readonly kind: 'WithClause';
  readonly options: readonly WithOption[];
  readonly span: Span;
}

export interface MapStatement {
  readonly kind: 'MapStatement';
  readonly annotations: readonly Annotation[];
  readonly parallel: ParallelModifier | null;
  readonly distinct: DistinctModifier | null;
  readonly batch: BatchModifier | null;
  readonly cascade: CascadeRef;
  readonly output: ResultColumn | TypedColumns | null;
  readonly using: UsingClause;
  readonly with: WithClause | null;
  readonly span: Span;
}

export interface RunStatement {
  readonly kind: 'RunStatement';
  readonly annotations: readonly Annotation[];
  readonly async: boolean;
  readonly cascade: CascadeRef;
  readonly using: UsingClause;
  readonly with: WithClause | null;
  readonly span: Span;
}

export interface ExplainStatement {
  readonly kind: 'ExplainStatement';
  readonly annotations: readonly Annotation[];
  /** null when no `(FORMAT …)` was written (the engine's default is TEXT). */
  readonly format: 'TEXT' | 'JSON' | null;
  readonly target: MapStatement | RunStatement;
  readonly span: Span;
}

/** `CREATE [TEMP] TABLE name AS RVBBIT MAP …` (same as WITH (as_table = 'name')). */
export interface CreateTableAsStatement {
  readonly kind: 'CreateTableAsStatement';
  readonly annotations: readonly Annotation[];
  readonly temporary: boolean;
  /** Dotted name parts: `main.t` is two identifiers. */
  readonly table: readonly Identifier[];
  readonly map: MapStatement;
  readonly span: Span;
}

/**
 * `INSERT INTO name [(column, …)] RVBBIT MAP …`: the MAP's rows appended to
 * an existing table, columns matched by position as INSERT … SELECT matches them.
 */
export interface InsertMapStatement {
  readonly kind: 'InsertMapStatement';
  readonly annotations: readonly Annotation[];
  /** Dotted name parts: `main.t` is two identifiers. */
  readonly table: readonly Identifier[];
  /** The column list, or null when none was written (every column of the table, in order). */
  readonly columns: readonly Identifier[] | null;
  readonly map: MapStatement;
  readonly span: Span;
}

/** `COPY (RVBBIT MAP …) TO 'file' [[WITH] (options)]`: the MAP's rows written to a file by DuckDB's COPY. */
export interface CopyMapStatement {
  readonly kind: 'CopyMapStatement';
  readonly annotations: readonly Annotation[];
  readonly map: MapStatement;
  /** The file, unquoted. */
  readonly path: string;
  readonly pathSpan: Span;
  /** The options' exact text with its parentheses (`(FORMAT parquet)`), or null; DuckDB reads them. */
  readonly options: string | null;
  readonly span: Span;
}

/** Any other SQL, passed through byte for byte: `text` is the exact source. */
export interface SqlStatement extends SemanticCalls {
  readonly kind: 'SqlStatement';
  readonly annotations: readonly Annotation[];
  readonly text: string;
  readonly span: Span;
}

export type Statement =
  | MapStatement
  | RunStatement
  | ExplainStatement
  | CreateTableAsStatement
  | InsertMapStatement
  | CopyMapStatement
  | SqlStatement
  | CreateSemanticFunctionStatement
  | DropSemanticFunctionStatement;
