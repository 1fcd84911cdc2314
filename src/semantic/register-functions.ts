/**
 * One DuckDB scalar function per semantic function, registered once per
 * database (DuckDB's catalog is shared by every connection). Its signature is
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
import { errorMessage } from '../errors.js';
import type { SemanticFunction } from '../plan/operator-catalog.js';
import { registeredName } from '../plan/semantic-rewrite.js';
import { duckType, inputValue } from './sql-types.js';
import { type SqlValue, type StatementCalls, statementFor, type Tuple, tupleKey } from './statement-calls.js';

const registered = new WeakMap<object, Set<string>>();

/** Registers every function not yet known to this database (`db` identifies it). */
export function registerFunctions(db: object, con: DuckDBConnection, fns: Iterable<SemanticFunction>): void {
  let done = registered.get(db);
  if (!done) {
    done = new Set();
    registered.set(db, done);
  }
  for (const fn of fns) {
    const signature = `${fn.name}(${fn.sql.args.map((a) => a.type).join(',')})`;
    if (done.has(signature)) continue;
    con.registerScalarFunction(
      DuckDBScalarFunction.create({
        name: registeredName(fn.name),
        returnType: duckType(fn.sql.returns),
        parameterTypes: [INTEGER, ...fn.sql.args.map((a) => duckType(a.type))],
        // NULLs reach the body: a NULL operand gives NULL without a call, an
        // aggregate's missing optional argument becomes ''.
        specialHandling: true,
        // Never constant-folded or cached by DuckDB: the answer changes between passes.
        volatile: true,
        mainFunction: (info, input, output) => {
          try {
            evaluate(fn, input, output);
          } catch (err) {
            const s = statementFor(Number(input.getColumnVector(0).getItem(0)));
            if (s) s.error ??= err;
            info.setError(`${fn.name}: ${errorMessage(err)}`);
          }
        },
      }),
    );
    done.add(signature);
  }
}

function evaluate(fn: SemanticFunction, input: DuckDBDataChunk, output: DuckDBVector): void {
  const n = input.rowCount;
  const s = statementFor(Number(input.getColumnVector(0).getItem(0)));
  if (!s)
    throw new Error('called outside an rvbbit statement (semantic functions run only through the engine)');
  const cols = fn.sql.args.map((_, i) => input.getColumnVector(i + 1));
  // An aggregate's or dimension's missing optional argument is '' (the cascade's default), not a NULL row.
  const optionalArgs = fn.sql.shape !== 'scalar';
  const rows: (Tuple | null)[] = [];
  for (let r = 0; r < n; r++) {
    const inputs: Record<string, unknown> = {};
    let isNull = false;
    fn.sql.args.forEach((a, i) => {
      const v = inputValue(cols[i]!.getItem(r));
      if (v === null) {
        if (optionalArgs && i > 0) inputs[a.name] = '';
        else isNull = true;
      } else inputs[a.name] = v;
    });
    inputs['hint'] = s.hint;
    rows.push(isNull ? null : { key: tupleKey(fn, inputs), fn, inputs });
  }
  const values = s.mode === 'record' ? record(s, rows) : runNow(s, rows);
  for (let r = 0; r < n; r++) output.setItem(r, values[r]!);
  output.flush();
}

function record(s: StatementCalls, rows: readonly (Tuple | null)[]): SqlValue[] {
  return rows.map((t) => {
    if (t === null) return null;
    const v = s.results.get(t.key);
    if (v !== undefined) return v;
    s.missed.add(t.key);
    if (!s.recorded.has(t.key) && s.recorded.size < s.budget) s.recorded.set(t.key, t);
    // The placeholder: a filter drops the row, so nothing downstream (LIMIT) stops early.
    return s.placeholder === 'null' ? null : placeholderValue(t, s.placeholder === 'high');
  });
}

/**
 * EXPLAIN's stand-in answer for a call not made (statement-calls.ts
 * `placeholder`): true / 1 or false / 0 by the returned type, and for text a
 * value unique to the call, so an operator fed by this one's answer is
 * counted once per call that feeds it. Types with no neutral value stay NULL.
 */
function placeholderValue(t: Tuple, high: boolean): SqlValue {
  switch (t.fn.sql.returns) {
    case 'BOOLEAN':
    case 'BOOL':
      return high;
    case 'DOUBLE':
    case 'FLOAT':
    case 'REAL':
    case 'INTEGER':
    case 'INT':
    case 'BIGINT':
      return high ? 1 : 0;
    case 'VARCHAR':
    case 'TEXT':
    case 'STRING':
      return `(answer ${callId(t)})`;
    case 'JSON':
      return JSON.stringify(`answer ${callId(t)}`);
    default:
      return null;
  }
}

function callId(t: Tuple): string {
  return createHash('sha1').update(t.key).digest('hex').slice(0, 12);
}

function runNow(s: StatementCalls, rows: readonly (Tuple | null)[]): SqlValue[] {
  const sync = s.sync!;
  if (s.perChunk) {
    const misses = new Map<string, Tuple>();
    for (const t of rows) if (t && !s.results.has(t.key)) misses.set(t.key, t);
    if (misses.size > 0) {
      const tuples = [...misses.values()];
      sync(tuples).forEach((v, i) => {
        s.results.set(tuples[i]!.key, v);
      });
    }
    return rows.map((t) => (t ? s.results.get(t.key)! : null));
  }
  return rows.map((t) => {
    if (t === null) return null;
    if (!s.results.has(t.key)) s.results.set(t.key, sync([t])[0]!);
    return s.results.get(t.key)!;
  });
}
