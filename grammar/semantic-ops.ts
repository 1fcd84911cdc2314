/**
 * Finds semantic operators, RELEVANCE TO, SEMANTIC JOIN and LLM_* aggregates
 * in scanned SQL tokens. Operators bind tighter than any SQL operator and take
 * primary expressions, so operands are found by walking tokens outwards from
 * the operator word; no SQL expression grammar is needed.
 * @see ../docs/dialect.md §2
 */
import { GrammarErrorCode } from './errors.js';
import type { OperatorDef, OperatorSet } from './operators.js';
import { RELEVANCE_FUNCTION } from './operators.js';
import type {
  AggregateCall,
  Clause,
  Operand,
  OperatorCall,
  RelevanceOrder,
  SemanticCalls,
  SemanticJoin,
} from './semantic-nodes.js';
import type { LineIndex } from './span.js';
import { SqlTok, type SqlToken } from './sql-scan.js';
import { parseSqlType, RETURNING_TYPES } from './sql-type.js';
import { TokenCursor } from './token-cursor.js';
import { typeFamily } from './type-names.js';

export interface SemanticError {
  readonly code: GrammarErrorCode;
  readonly message: string;
  readonly offset: number;
}

const CLAUSE_WORDS: Readonly<Record<string, Clause>> = {
  SELECT: 'select',
  WHERE: 'where',
  HAVING: 'having',
  ON: 'join_on',
  FROM: 'other',
  GROUP: 'other',
  LIMIT: 'other',
  OFFSET: 'other',
  JOIN: 'other',
  UNION: 'other',
  EXCEPT: 'other',
  INTERSECT: 'other',
  WINDOW: 'other',
  QUALIFY: 'other',
  USING: 'other',
  VALUES: 'other',
  SET: 'other',
  RETURNING: 'other',
};
const COMPARISONS = new Set(['>', '>=', '<', '<=', '=', '==', '<>', '!=']);

export const NO_CALLS: SemanticCalls = { operators: [], relevance: [], joins: [], aggregates: [] };

/** Finds every semantic construct; `toks` must not contain comments. */
export function findSemanticCalls(
  text: string,
  toks: readonly SqlToken[],
  ops: OperatorSet,
  index: LineIndex,
): SemanticCalls | SemanticError {
  if (!mayHaveCalls(text, toks, ops)) return { operators: [], relevance: [], joins: [], aggregates: [] };
  return new Finder(text, toks, ops, index).run();
}

/**
 * The words that can start a construct, by shape (length × 128 + lower-cased
 * first letter), per operator set. Most SQL has none of them: a look at each
 * word's shape, without slicing or upper-casing it, then skips the Finder
 * (an editor parses every keystroke, and USING bodies are mostly plain SQL).
 */
const startShapes = new WeakMap<OperatorSet, Set<number>>();
const shape = (length: number, first: number): number => length * 128 + (first | 32);

function shapesOf(ops: OperatorSet): Set<number> {
  let shapes = startShapes.get(ops);
  if (!shapes) {
    shapes = new Set();
    for (const w of [...ops.byWord.keys(), ...ops.aggregates.keys(), 'SEMANTIC', 'RELEVANCE']) {
      shapes.add(shape(w.length, w.charCodeAt(0)));
    }
    startShapes.set(ops, shapes);
  }
  return shapes;
}

/**
 * False only when no token can start a construct (a word of a starting shape,
 * `~` or `!~`). A word with a non-ASCII letter counts as one: its upper case can
 * be an operator of another length or first letter ('ı' → 'I', 'ﬆ' → 'ST').
 */
function mayHaveCalls(text: string, toks: readonly SqlToken[], ops: OperatorSet): boolean {
  const shapes = shapesOf(ops);
  for (const t of toks) {
    if (t.type === SqlTok.Word) {
      if (shapes.has(shape(t.end - t.start, text.charCodeAt(t.start)))) return true;
      for (let i = t.start; i < t.end; i++) if (text.charCodeAt(i) >= 128) return true;
    } else if (t.type === SqlTok.Op && tildeOf(text, t) !== null) return true;
  }
  return false;
}

/**
 * `~` (the semantic `~`) or `!~` (its negation, larsql's "not the same thing"),
 * else null: `~~`, `~*`, `!~~` and the rest stay DuckDB's operators.
 */
function tildeOf(text: string, t: SqlToken): '~' | '!~' | null {
  const length = t.end - t.start;
  if (length === 1 && text.charCodeAt(t.start) === 126) return '~';
  if (length === 2 && text.charCodeAt(t.start) === 33 && text.charCodeAt(t.start + 1) === 126) return '!~';
  return null;
}

const returnsBoolean = (def: OperatorDef): boolean => typeFamily(def.returns) === 'boolean';

class Finder extends TokenCursor {
  private readonly operators: OperatorCall[] = [];
  private readonly relevance: RelevanceOrder[] = [];
  private readonly joins: SemanticJoin[] = [];
  private readonly aggregates: AggregateCall[] = [];
  /** Token index where an operator expression ends → where the widest one starts (left associativity). */
  private readonly callEnds = new Map<number, number>();

  constructor(
    text: string,
    toks: readonly SqlToken[],
    ops: OperatorSet,
    private readonly index: LineIndex,
  ) {
    super(text, toks, ops);
  }

  run(): SemanticCalls | SemanticError {
    const { toks, ops } = this;
    const clauses: Clause[] = ['other'];
    for (let k = 0; k < toks.length; k++) {
      const t = toks[k]!;
      if (t.type === SqlTok.LParen) clauses.push(clauses[clauses.length - 1]!);
      else if (t.type === SqlTok.RParen) {
        if (clauses.length > 1) clauses.pop();
      } else if (t.type === SqlTok.Op && tildeOf(this.text, t) !== null) {
        // Without a `~` in the operator set, `~` and `!~` are DuckDB's regular-expression operators.
        const def = ops.byWord.get('~');
        const bang = tildeOf(this.text, t) === '!~';
        const err = def ? this.operator(k, def, clauses[clauses.length - 1]!, bang) : null;
        if (err) return err;
      } else if (
        t.type === SqlTok.Word &&
        t.end - t.start <= ops.maxWordLength &&
        !this.isType(k - 1, SqlTok.Dot)
      ) {
        const up = this.text.slice(t.start, t.end).toUpperCase();
        const clause = CLAUSE_WORDS[up];
        if (clause) clauses[clauses.length - 1] = clause;
        else if (up === 'ORDER' && this.wordAt(k + 1) === 'BY') clauses[clauses.length - 1] = 'order_by';
        const err = this.word(k, up, clauses[clauses.length - 1]!);
        if (err) return err;
      }
    }
    const { operators, relevance, joins, aggregates } = this;
    return { operators, relevance, joins, aggregates };
  }

  private word(k: number, up: string, clause: Clause): SemanticError | null {
    const def = this.ops.byWord.get(up);
    // A word that is both an infix operator and a call name (larsql's VALID: `x VALID 'email'` and
    // `VALID(x, 'email')`) is the call where no left operand precedes it and a `(` follows.
    const isCall =
      def !== undefined &&
      this.ops.aggregates.has(up) &&
      this.isType(k + 1, SqlTok.LParen) &&
      this.leftOperandEndingAt(k - 1) < 0;
    if (isCall) return this.aggregate(k, up);
    if (def && !this.isType(k + 1, SqlTok.Dot)) return this.operator(k, def, clause);
    if (up === 'SEMANTIC' && this.wordAt(k + 1) === 'JOIN') {
      const t = this.toks[k]!;
      this.joins.push({
        kind: 'SemanticJoin',
        semanticSpan: this.index.span(t.start, t.end),
        span: this.index.span(t.start, this.toks[k + 1]!.end),
      });
    } else if (up === 'RELEVANCE' && this.wordAt(k + 1) === 'TO') return this.relevanceOrder(k);
    else if (this.ops.aggregates.has(up) && this.isType(k + 1, SqlTok.LParen)) return this.aggregate(k, up);
    return null;
  }

  /** `bang`: the operator is `!~`, the negation of `~`. */
  private operator(k: number, def: OperatorDef, clause: Clause, bang = false): SemanticError | null {
    const { toks } = this;
    // larsql's `a NOT MEANS b`: a NOT between the left operand and the word negates the operator.
    const notBefore = !bang && this.wordAt(k - 1) === 'NOT' && this.leftOperandEndingAt(k - 2) >= 0;
    const negated = bang || notBefore;
    const opFirst = notBefore ? k - 1 : k;
    const opTok = toks[opFirst]!;
    const written = bang ? '!~' : notBefore ? `NOT ${def.word}` : def.word;
    if (negated && !returnsBoolean(def)) {
      // larsql read `a NOT ABOUT b` as `score <= 0.5`; here a score is compared as written.
      const instead =
        typeFamily(def.returns) === 'double' ? ` (compare its score instead: a ${def.word} b <= 0.5)` : '';
      return {
        code: GrammarErrorCode.NOT_BOOLEAN_OPERATOR,
        message: `${written}: only an operator that returns BOOLEAN can be negated, and ${def.word} returns ${def.returns}${instead}`,
        offset: opTok.start,
      };
    }
    const opLast = def.optionalWord && this.wordAt(k + 1) === def.optionalWord ? k + 1 : k;
    const leftStart = this.leftOperandEndingAt(opFirst - 1);
    const rightEnd = this.primaryFwd(opLast + 1);
    // A word with nothing on either side is an ordinary identifier (`SELECT about FROM t`).
    if (leftStart < 0 && rightEnd < 0 && def.word !== '~') return null;
    const what = 'a column, literal, parameter, function call, cast or parenthesised expression';
    if (leftStart < 0)
      return {
        code: GrammarErrorCode.MISSING_OPERAND,
        message: `${written} needs a left operand (${what})`,
        offset: opTok.start,
      };
    if (rightEnd < 0) {
      const at = toks[opLast + 1]?.start ?? toks[opLast]!.end;
      return {
        code: GrammarErrorCode.MISSING_OPERAND,
        message: `${written} needs a right operand (${what})`,
        offset: at,
      };
    }
    const before = toks[leftStart - 1];
    const after = toks[rightEnd + 1];
    let comparison: string | null = null;
    if (after?.type === SqlTok.Op && COMPARISONS.has(this.tokText(after))) comparison = this.tokText(after);
    else if (before?.type === SqlTok.Op && COMPARISONS.has(this.tokText(before)))
      comparison = this.tokText(before);
    this.operators.push({
      kind: 'OperatorCall',
      operator: def.word,
      functionName: def.functionName,
      returns: def.returns,
      left: this.operand(leftStart, opFirst - 1),
      right: this.operand(opLast + 1, rightEnd),
      operatorSpan: this.index.span(opTok.start, toks[opLast]!.end),
      negated,
      clause,
      comparison,
      span: this.index.span(toks[leftStart]!.start, toks[rightEnd]!.end),
    });
    this.callEnds.set(rightEnd, Math.min(leftStart, this.callEnds.get(rightEnd) ?? leftStart));
    return null;
  }

  /** First token of the left operand ending at token `j` (a whole operator expression, left-associative), or -1. */
  private leftOperandEndingAt(j: number): number {
    return this.callEnds.get(j) ?? this.primaryBack(j);
  }

  private relevanceOrder(k: number): SemanticError | null {
    const { toks } = this;
    const leftStart = this.leftOperandEndingAt(k - 1);
    const rightEnd = this.primaryFwd(k + 2);
    if (leftStart < 0 || rightEnd < 0) {
      const offset = leftStart < 0 ? toks[k]!.start : (toks[k + 2]?.start ?? toks[k + 1]!.end);
      const side = leftStart < 0 ? 'an expression before it' : 'an expression after TO';
      return { code: GrammarErrorCode.MISSING_OPERAND, message: `RELEVANCE TO needs ${side}`, offset };
    }
    const dir = this.wordAt(rightEnd + 1);
    const explicit = dir === 'ASC' || dir === 'DESC';
    const last = explicit ? rightEnd + 1 : rightEnd;
    this.relevance.push({
      kind: 'RelevanceOrder',
      functionName: RELEVANCE_FUNCTION,
      left: this.operand(leftStart, k - 1),
      right: this.operand(k + 2, rightEnd),
      direction: explicit ? (dir as 'ASC' | 'DESC') : 'DESC',
      explicitDirection: explicit,
      span: this.index.span(toks[leftStart]!.start, toks[last]!.end),
    });
    return null;
  }

  private aggregate(k: number, name: string): SemanticError | null {
    const def = this.ops.aggregates.get(name)!;
    const open = k + 1;
    const close = this.pair[open]!;
    if (close < 0) return null; // unbalanced: reported by the caller's paren check
    // `NAME(a, b RETURNING type)`: the type closes the argument list (as in SQL/JSON's JSON_VALUE).
    let last = close;
    for (let j = open + 1; j < close; j++) {
      const t = this.toks[j]!;
      if (t.type === SqlTok.LParen || t.type === SqlTok.LBracket) j = this.pair[j]!;
      else if (this.wordAt(j) === 'RETURNING') {
        last = j;
        break;
      }
    }
    let returning: AggregateCall['returning'];
    if (last < close) {
      const at = this.toks[last]!;
      if (!def.returning) {
        return {
          code: GrammarErrorCode.BAD_AGGREGATE_ARGS,
          message: `${name} does not take RETURNING: its result type is ${def.returns} (RETURNING is for a function whose cascade lets the caller choose, such as LLM)`,
          offset: at.start,
        };
      }
      if (last + 1 === close) {
        return {
          code: GrammarErrorCode.BAD_AGGREGATE_ARGS,
          message: `${name}: RETURNING needs a type (${RETURNING_TYPES})`,
          offset: at.end,
        };
      }
      const s = this.toks[last + 1]!.start;
      const e = this.toks[close - 1]!.end;
      const typeText = this.text.slice(s, e);
      const parsed = parseSqlType(typeText);
      if (!parsed.ok) {
        return {
          code: GrammarErrorCode.BAD_AGGREGATE_ARGS,
          message: `${name}: RETURNING ${typeText.trim()}: ${parsed.message}`,
          offset: s + parsed.offset,
        };
      }
      returning = { text: typeText, type: parsed.type, span: this.index.span(s, e) };
    }
    const args: Operand[] = [];
    let from = open + 1;
    for (let j = open + 1; j <= last; j++) {
      const t = this.toks[j]!;
      if (t.type === SqlTok.LParen || t.type === SqlTok.LBracket) j = this.pair[j]!;
      else if (j === last || t.type === SqlTok.Comma) {
        if (j === from && !(j === last && args.length === 0)) {
          return {
            code: GrammarErrorCode.BAD_AGGREGATE_ARGS,
            message: `${name}: empty argument`,
            offset: t.start,
          };
        }
        if (j > from) args.push(this.operand(from, j - 1));
        from = j + 1;
      }
    }
    if (args.length < def.minArgs || args.length > def.maxArgs) {
      const want =
        def.minArgs === def.maxArgs
          ? `${def.minArgs}`
          : `${def.minArgs} ${def.maxArgs - def.minArgs === 1 ? 'or' : 'to'} ${def.maxArgs}`;
      const message = `${name} takes ${want} argument${def.maxArgs > 1 ? 's' : ''}, got ${args.length}`;
      return { code: GrammarErrorCode.BAD_AGGREGATE_ARGS, message, offset: this.toks[k]!.start };
    }
    const span = this.index.span(this.toks[k]!.start, this.toks[close]!.end);
    this.aggregates.push({
      kind: 'AggregateCall',
      name,
      functionName: def.functionName,
      args,
      ...(returning ? { returning } : {}),
      span,
    });
    return null;
  }

  private operand(from: number, to: number): Operand {
    const s = this.toks[from]!.start;
    const e = this.toks[to]!.end;
    return { kind: 'Operand', text: this.text.slice(s, e), span: this.index.span(s, e) };
  }
}
