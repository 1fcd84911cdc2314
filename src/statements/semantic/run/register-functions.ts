/**
 * One DuckDB scalar function per semantic function, registered once per
 * database (DuckDB's catalog is shared by every connection), always on the
 * engine's system connection, at engine start and at CREATE SEMANTIC
 * FUNCTION, never on a client's: DuckDB adds a function inside the
 * connection's open transaction, so one registered in a client's
 * BEGIN … ROLLBACK was gone for every client while this module still
 * counted it registered (42P01 "rvbbit_semantic_means does not exist" until
 * restart). The system connection's own transactions all commit or roll
 * back before it registers anything. Its signature is
 * (statement token, the cascade's args): DuckDB type-checks operands against
 * the cascade's declared types. The body looks each row's tuple up in the
 * statement's result map; on a miss it records (batch) or runs it (sync).
 */
import { createHash } from 'node:crypto';
import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBScalarFunction,
  type DuckDBVector,
  INTEGER,
} from '@duckdb/node-api';
import { errorMessage } from '../../../../base/errors.js';
import { typeFamily } from '../../../../grammar/type-names.js';
import { functionParams, registeredReturns, type SemanticFunction } from '../../../plan/operator-catalog.js';
import { registeredName } from '../rewrite/semantic-rewrite.js';
import { duckType, inputValue } from '../state/sql-types.js';
import {
  callKey,
  namedInputs,
  type SqlValue,
  type StatementCalls,
  statementFor,
  type Tuple,
} from '../state/statement-calls.js';

/** Per database: each registered signature and the function it runs now. */
const registered = new WeakMap<object, Map<string, { fn: SemanticFunction }>>();
/** Per database: the DuckDB names registered (`rvbbit_<name>`), kept after a DROP (DuckDB keeps the function). */
const registeredNames = new WeakMap<object, Set<string>>();

/** Whether `duckdbName` is an operator's function this module registered in `db`. */
export function isOperatorFunction(db: object, duckdbName: string): boolean {
  return registeredNames.get(db)?.has(duckdbName.toLowerCase()) ?? false;
}
/**
 * Each definition's DuckDB signature, worked out once: every operator
 * statement registers the whole catalog (dozens of functions), and building
 * the signatures anew was most of that step's half millisecond. A definition
 * is not changed in place (CREATE OR REPLACE makes a new one).
 */
const signatures = new WeakMap<SemanticFunction, string>();

function signatureOf(fn: SemanticFunction): string {
  let signature = signatures.get(fn);
  if (signature === undefined) {
    const types = functionParams(fn.sql).map((a) => a.type);
    signature = `${fn.name}(${types.join(',')})->${registeredReturns(fn.sql)}`;
    signatures.set(fn, signature);
  }
  return signature;
}

/**
 * Registers every function not yet known to this database (`db` identifies
 * it). A signature already registered runs `fns`' definition from now on: a
 * function replaced by CREATE OR REPLACE SEMANTIC FUNCTION keeps its DuckDB
 * function, which reads the current definition (its cascade, its cache key).
 */
export function registerFunctions(db: object, con: DuckDBConnection, fns: Iterable<SemanticFunction>): void {
  let done = registered.get(db);
  if (!done) {
    done = new Map();
    registered.set(db, done);
  }
  for (const fn of fns) {
    const signature = signatureOf(fn);
    const known = done.get(signature);
    if (known) {
      known.fn = fn;
      continue;
    }
    const params = functionParams(fn.sql);
    const current = { fn };
    con.registerScalarFunction(
      DuckDBScalarFunction.create({
        name: registeredName(fn.name),
        returnType: duckType(registeredReturns(fn.sql)),
        // An aggregate's first arg is its group's values, always passed as list((x)::VARCHAR)
        // (semantic-rewrite.ts), however the file types it (larsql writes VARCHAR or JSON).
        parameterTypes: [
          INTEGER,
          ...params.map((a, i) =>
            i === 0 && fn.sql.shape === 'aggregate' ? duckType('VARCHAR[]') : duckType(a.type),
          ),
        ],
        // NULLs reach the body: a NULL operand gives NULL without a call, an
        // aggregate's missing optional argument becomes ''.
        specialHandling: true,
        // Never constant-folded or cached by DuckDB: the answer changes between passes.
        volatile: true,
        mainFunction: (info, input, output) => {
          try {
            evaluate(current.fn, input, output);
          } catch (err) {
            const s = statementFor(Number(input.getColumnVector(0).getItem(0)));
            if (s) s.error ??= err;
            info.setError(`${current.fn.name}: ${errorMessage(err)}`);
          }
        },
      }),
    );
    done.set(signature, current);
    const names = registeredNames.get(db) ?? new Set<string>();
    names.add(registeredName(fn.name).toLowerCase());
    registeredNames.set(db, names);
  }
}

/**
 * One DuckDB chunk: each row's key from its operand values (no object per
 * row); an answered key is a lookup, and only a miss the pass records becomes
 * a Tuple with its named inputs (the replay pass of a 10,000-row filter builds
 * none, nor does a miss past the pass's budget).
 */
function evaluate(fn: SemanticFunction, input: DuckDBDataChunk, output: DuckDBVector): void {
  const n = input.rowCount;
  const s = statementFor(Number(input.getColumnVector(0).getItem(0)));
  if (!s)
    throw new Error('called outside an rvbbit statement (semantic functions run only through the engine)');
  const params = functionParams(fn.sql);
  const k = params.length;
  const cols = params.map((_, i) => input.getColumnVector(i + 1));
  // A missing optional argument (an aggregate's or dimension's after the first, or one the file
  // marks optional) is its default, else '', not a NULL row.
  const defaults = params.map((a, i) =>
    a.optional || (i > 0 && fn.sql.shape !== 'scalar') ? (a.default ?? '') : undefined,
  );
  const out = new Array<SqlValue>(n);
  const misses: { row: number; tuple: Tuple }[] = [];
  for (let r = 0; r < n; r++) {
    const values = new Array<unknown>(k);
    let isNull = false;
    for (let i = 0; i < k; i++) {
      const v = inputValue(cols[i]!.getItem(r));
      if (v !== null) values[i] = v;
      else if (defaults[i] !== undefined) values[i] = defaults[i];
      else {
        isNull = true;
        break;
      }
    }
    if (isNull) {
      out[r] = null;
      continue;
    }
    const key = callKey(fn, values);
    const hit = s.results.get(key);
    if (hit !== undefined) out[r] = hit;
    else if (s.mode === 'record') out[r] = record(s, fn, key, values);
    else misses.push({ row: r, tuple: { key, fn, inputs: namedInputs(fn, values, s.hint) } });
  }
  if (misses.length > 0) runNow(s, misses, out);
  for (let r = 0; r < n; r++) output.setItem(r, out[r]!);
  output.flush();
}

/**
 * A miss in record mode: recorded within the pass's budget, else counted and,
 * when the pass spills (tuple-spill.ts), written to its spill file to be asked
 * after the pass (its inputs not built here); answered by the placeholder.
 */
function record(s: StatementCalls, fn: SemanticFunction, key: string, values: readonly unknown[]): SqlValue {
  let t = s.recorded.get(key);
  if (t === undefined && s.recorded.size < s.budget) {
    t = { key, fn, inputs: namedInputs(fn, values, s.hint) };
    s.recorded.set(key, t);
  } else if (t === undefined) {
    s.pastBudget++;
    s.spill?.append(fn, key, values);
  }
  // The placeholder: a filter drops the row, so nothing downstream (LIMIT) stops early.
  if (s.placeholder === 'null') return null;
  return placeholderValue(
    t ?? { key, fn, inputs: namedInputs(fn, values, s.hint) },
    s.placeholder === 'high',
  );
}

/**
 * EXPLAIN's stand-in answer for a call not made (statement-calls.ts
 * `placeholder`): true / 1 or false / 0 by the returned type, and for text a
 * value unique to the call, so an operator fed by this one's answer is
 * counted once per call that feeds it. Types with no neutral value stay NULL.
 */
function placeholderValue(t: Tuple, high: boolean): SqlValue {
  const { returning } = t.fn.sql;
  if (returning !== undefined) {
    // A typed function's stand-in is a value of the chosen type, read back as the real answer is.
    return JSON.stringify(standIn(JSON.parse(String(t.inputs[returning])), high, callId(t)));
  }
  switch (typeFamily(t.fn.sql.returns)) {
    case 'boolean':
      return high;
    case 'double':
    case 'integer':
    case 'bigint':
      return high ? 1 : 0;
    case 'text':
      return `(answer ${callId(t)})`;
    case 'json':
      return JSON.stringify(`answer ${callId(t)}`);
    default:
      return null;
  }
}

/** A value of `schema` for EXPLAIN: true / the maximum, or false / the minimum; text unique to the call. */
function standIn(schema: Record<string, unknown>, high: boolean, id: string): unknown {
  // An ENUM's stand-in is one of its labels, so it reads back as the ENUM.
  const labels = schema['enum'];
  if (Array.isArray(labels) && labels.length > 0) return high ? labels.at(-1) : labels[0];
  switch (schema['type']) {
    case 'boolean':
      return high;
    case 'integer':
    case 'number': {
      const bound = schema[high ? 'maximum' : 'minimum'];
      return typeof bound === 'number' ? bound : high ? 1 : 0;
    }
    case 'array':
      return [];
    case 'object': {
      const props = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, standIn(v, high, id)]));
    }
    case 'string':
      if (schema['format'] === 'date') return '1970-01-01';
      if (schema['format'] === 'date-time') return '1970-01-01T00:00:00';
      if (schema['format'] === 'time') return '00:00:00';
      return `answer ${id}`;
    default:
      return `answer ${id}`;
  }
}

function callId(t: Tuple): string {
  return createHash('sha1').update(t.key).digest('hex').slice(0, 12);
}

/** Sync strategies: the misses run now, per chunk (vectorized) or one by one in row order (sequential). */
function runNow(s: StatementCalls, misses: readonly { row: number; tuple: Tuple }[], out: SqlValue[]): void {
  const sync = s.sync!;
  if (s.perChunk) {
    const distinct = new Map<string, Tuple>();
    for (const m of misses) distinct.set(m.tuple.key, m.tuple);
    const tuples = [...distinct.values()];
    sync(tuples).forEach((v, i) => {
      s.results.set(tuples[i]!.key, v);
    });
  }
  for (const { row, tuple } of misses) {
    if (!s.results.has(tuple.key)) s.results.set(tuple.key, sync([tuple])[0]!);
    out[row] = s.results.get(tuple.key)!;
  }
}
