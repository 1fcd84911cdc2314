/**
 * Shapes read off DuckDB's tokens (sql-tokens.ts) by the engine-file guard:
 * names and operators, a bracket's end, a call's constant arguments, a column
 * list that is not a call, SET VARIABLE's values.
 */
import type { Token } from './sql-tokens.js';

/**
 * Arguments made of constants only: strings, numbers, TRUE/FALSE/NULL,
 * lists and structs of them, `name := value` / `name = value` options.
 */
export function constantArguments(args: readonly Token[]): boolean {
  return args.every((t, i) => {
    if (t.kind === 'string' || t.kind === 'number') return true;
    if (t.kind === 'op') return [',', '[', ']', '{', '}', ':', ':=', '=', '-', '+'].includes(t.value);
    if (t.kind === 'name' && /^(TRUE|FALSE|NULL)$/i.test(t.value)) return true;
    // An option's or a struct field's name.
    const next = args[i + 1];
    return isName(t) && next?.kind === 'op' && [':=', '=', ':'].includes(next.value);
  });
}

/**
 * `name (` that is not a call: a table or index column list (`INSERT INTO
 * t (a)`, `CREATE TABLE t (a INT)`, `CREATE INDEX i ON t (a)`, `REFERENCES
 * t (a)`). `AS TABLE f(…)` (a table macro's body) stays a call.
 */
export function notACall(tokens: readonly Token[], i: number): boolean {
  let s = i;
  while (isOp(tokens[s - 1], '.') && tokens[s - 2] && isName(tokens[s - 2]!)) s -= 2;
  const prev = tokens[s - 1];
  const word = (t: Token | undefined) => (t?.kind === 'name' ? t.value.toUpperCase() : '');
  const p = word(prev);
  if (p === 'INTO' || p === 'REFERENCES' || p === 'ON') return true;
  if (p === 'TABLE' && word(tokens[s - 2]) !== 'AS') return true;
  return p === 'EXISTS' && word(tokens[s - 2]) === 'NOT' && word(tokens[s - 3]) === 'IF';
}

/** The tokens of `SET VARIABLE name = value` values (of each statement's tokens): no file is opened by that name. */
export function variableValues(statements: readonly (readonly Token[])[]): Set<Token> {
  const out = new Set<Token>();
  for (const stmt of statements) {
    const words = stmt.slice(0, 3).map((t) => (t.kind === 'name' ? t.value.toUpperCase() : ''));
    const at = words[0] === 'SET' ? (words[1] === 'VARIABLE' ? 2 : words[2] === 'VARIABLE' ? 3 : -1) : -1;
    if (at < 0) continue;
    // Only a plain constant is exempt; anything computed is checked as usual.
    const value = stmt.slice(at + 2);
    if (value.every((t) => t.kind === 'string')) for (const t of value) out.add(t);
  }
  return out;
}

/** The index of the bracket closing the one at `open` (the end if none). */
export function closing(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'op') continue;
    if (t.value === '(' || t.value === '[' || t.value === '{') depth++;
    else if (t.value === ')' || t.value === ']' || t.value === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return tokens.length;
}

export const isName = (t: Token): t is Extract<Token, { kind: 'name' | 'quoted' }> =>
  t.kind === 'name' || t.kind === 'quoted';
export const isOp = (t: Token | undefined, value: string) => t?.kind === 'op' && t.value === value;
