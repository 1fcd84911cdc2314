/**
 * A loaded cascade: readonly, frozen data. Compiled templates and validators
 * live beside it (see compiled-cascade.ts), never inside it.
 * @see ../../docs/cascades.md
 */
import type { ProxySpec } from '../../grammar/annotation-node.js';

/** Built-in tools a cell can call instead of a model. */
export const ToolName = { SqlData: 'sql_data', Echo: 'echo' } as const;
export type ToolName = (typeof ToolName)[keyof typeof ToolName];
export const TOOL_NAMES: readonly ToolName[] = Object.values(ToolName);

interface CellRules {
  /** Attempts when the output fails validation (default 2). */
  readonly maxAttempts: number;
  /** Turns for a looping cell (default 1). */
  readonly maxTurns: number;
  /** Boolean output field that ends the loop when true. */
  readonly loopUntil?: string;
}

export interface CellTakes {
  /** How many candidates run in parallel. */
  readonly factor: number;
  /** Template of the prompt that picks one candidate; without it the first valid wins. */
  readonly evaluatorInstructions?: string;
}

/** A cell that asks a model. */
export interface LlmCell {
  readonly kind: 'llm';
  readonly name: string;
  /** Position in `cells` (0-based). */
  readonly index: number;
  readonly instructions: string;
  /** Where the instructions start in the cascade file (a render error names file:line:col). */
  readonly instructionsAt?: { readonly line: number; readonly column: number; readonly block: boolean };
  readonly model?: string;
  readonly outputSchema?: Readonly<Record<string, unknown>>;
  readonly rules: CellRules;
  readonly takes?: CellTakes;
}

/** A deterministic cell: a built-in tool called with templated inputs. */
export interface ToolCell {
  readonly kind: 'tool';
  readonly name: string;
  readonly index: number;
  readonly tool: ToolName;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export type Cell = LlmCell | ToolCell;

export interface SqlFunctionArg {
  readonly name: string;
  /** SQL type name as written, upper-cased (`VARCHAR`, `DOUBLE`, `DECIMAL(10,2)`). */
  readonly type: string;
  /** May be left out of a call (`optional: true`, or a `default`): it then takes `default`, else NULL. */
  readonly optional: boolean;
  /**
   * The last arg of a scalar function may take any number of values
   * (`LLM_FILTER('…', a, b, c)`): they reach the cascade as one text, each
   * value in an `<input name="…">` line named by the SQL expression it came from.
   */
  readonly variadic?: boolean;
  readonly default?: unknown;
  readonly description?: string;
  /** larsql's `role` (`dimension_source`: the arg a dimension labels). */
  readonly role?: string;
}

/** A function-call form `NAME({{ a }}, '{{ b }}')`: the function called by another name, its args in order. */
export interface SqlCallForm {
  /** As written in the file. */
  readonly text: string;
  /** Its place in `operators` (a warning about it points there). */
  readonly index: number;
  /** Upper-cased. */
  readonly name: string;
  /** How many of the function's args (from the first) the form passes. */
  readonly args: number;
}

/**
 * larsql's `test_cases`: a statement and what its one value should be
 * (`rvbbit cascades test`; sql-test-expect.ts reads `expect`).
 */
export interface SqlTestCase {
  /** Absent or blank: the case is listed as skipped, not run. */
  readonly sql?: string;
  readonly expect: unknown;
  readonly description?: string;
  /** larsql's `skip: true`: listed as skipped, not run. */
  readonly skip?: boolean;
}

/** An infix form `{{ left }} KEYWORD {{ right }}` that the grammar rewrites to the function. */
export interface SqlOperatorForm {
  /** As written in the file. */
  readonly text: string;
  /** Its place in `operators` (a warning about it points there). */
  readonly index: number;
  readonly left: string;
  /** Upper-cased keyword words (`['MEANS']`, `['ALIGNS', 'WITH']`) or `['~']`. */
  readonly keywords: readonly string[];
  readonly right: string;
}

export interface SqlDimension {
  /**
   * assign: each distinct value is given one of the labels (fixed or
   * discovered), packed per prompt. mapping (larsql's): one call sees every
   * distinct value (`texts`, with the other args by name) and answers
   * `{mapping: {"<index>": label}}`. entities: each distinct value is given
   * the representative of its cluster of values naming the same entity
   * (src/statements/semantic/aggregates/entities.ts); the cascade judges one pair, `text` and `other`.
   */
  readonly mode: 'assign' | 'mapping' | 'entities';
  /** The arg whose values are labelled: the one with `role: dimension_source`, else the first. */
  readonly source: string;
  /** Fixed labels (SENTIMENT); otherwise discovered. */
  readonly labels?: readonly string[];
  /** The discovery cascade, as written (relative to the cascade file): inputs texts, n → a list of labels. */
  readonly discover?: string;
  /** Distinct values the discovery sees (default 40). */
  readonly sample: number;
}

export interface SqlFunction {
  readonly name: string;
  /**
   * scalar: per row; aggregate: per group; dimension: per row, a label from a
   * set fixed (`labels`) or discovered once per statement (`discover`), for GROUP BY.
   */
  readonly shape: 'scalar' | 'aggregate' | 'dimension';
  /** A dimension's labels and how they are found. */
  readonly dimension?: SqlDimension;
  readonly args: readonly SqlFunctionArg[];
  readonly returns: string;
  /**
   * The caller may choose the result type, `NAME(… RETURNING type)`, `returns`
   * being the default: the chosen type's JSON Schema (text) reaches the cascade
   * as this input, for its output_schema to use (`value: "{{ input.schema }}"`).
   */
  readonly returning?: string;
  /**
   * Two numeric args bounding the answer ([low, high]): numeric literals in a
   * call, written into the chosen type's schema as minimum and maximum; an
   * INTEGER result becomes DOUBLE when a bound is not a whole number.
   */
  readonly range?: readonly [string, string];
  readonly operators: readonly SqlOperatorForm[];
  /** Function-call forms under other names (`TLDR(x)` for condense); the function's own name always works. */
  readonly calls: readonly SqlCallForm[];
  readonly description?: string;
  readonly testCases: readonly SqlTestCase[];
  /** Results of this operator go through the result cache (default true). */
  readonly cache: boolean;
  /**
   * An answer that never matches the output schema (after the cell's
   * max_attempts): 'fail' fails the statement (default), 'null' makes the
   * call's value NULL (its calls are logged with status 'error').
   */
  readonly onInvalid: 'null' | 'fail';
  /**
   * The proxy a call of this function uses when its statement names none (`proxy:
   * 'small-fast accuracy 0.9'`; CREATE SEMANTIC FUNCTION … WITH (proxy = …, accuracy = …)).
   */
  readonly proxy?: ProxySpec;
}

export interface Cascade {
  readonly cascadeId: string;
  readonly description?: string;
  /** Input name → description; a run without one of these fails. */
  readonly inputsSchema: Readonly<Record<string, string>>;
  readonly cells: readonly Cell[];
  readonly model?: string;
  readonly sqlFunction?: SqlFunction;
  /** Absolute path, or the name given to `loadCascadeText`. */
  readonly file: string;
  /** sha256 (hex) of the file's bytes. */
  readonly contentHash: string;
  /** larsql's `internal: true`: an operator's cascade, not one a user runs on its own. */
  readonly internal?: boolean;
  /** The language of its templates: `template_engine`, else detected (template-engine.ts). */
  readonly templateEngine?: 'liquid' | 'jinja';
  /** Notes from loading that are not errors (legacy key names, ignored keys, skipped operator forms), `line:col: path: what`. */
  readonly loadWarnings: readonly string[];
}
