/**
 * Per-statement analysis with a cache, so one keystroke re-parses one
 * statement, not the document. The text is cut where parse() cuts it (at
 * every `;` after a statement, grammar/split.ts), each piece is parsed on its
 * own and its findings kept by its text; offsets are shifted back into the
 * document. test/lsp/chunked-analysis.test.ts checks the errors equal those
 * of parse() over the whole text, on the grammar's fuzz corpus.
 */
import { type Grammar, SqlTok, scanSql } from '../../grammar/index.js';
import { cascadeRefs } from './text-spans.js';
import { type UnknownOperator, unknownOperators } from './unknown-operators.js';

export interface Finding {
  readonly code: string;
  readonly message: string;
  readonly offset: number;
}
export interface CascadeRefAt {
  readonly value: string;
  readonly start: number;
  readonly end: number;
}
export interface Analysis {
  readonly errors: Finding[];
  readonly refs: CascadeRefAt[];
  readonly unknown: UnknownOperator[];
}

interface Piece {
  readonly start: number;
  readonly text: string;
}

export class ChunkedAnalysis {
  private cache = new Map<string, Analysis>();
  private grammar: Grammar | undefined;

  analyze(grammar: Grammar, text: string): Analysis {
    if (grammar !== this.grammar) {
      this.cache = new Map();
      this.grammar = grammar;
    }
    const pieces = cut(text);
    const next = new Map<string, Analysis>();
    const out: Analysis = { errors: [], refs: [], unknown: [] };
    for (const p of pieces) {
      const a = next.get(p.text) ?? this.cache.get(p.text) ?? analyzePiece(grammar, p.text);
      next.set(p.text, a);
      for (const e of a.errors) {
        // Alone, a piece of comments only is "empty"; in a document with statements it is not.
        if (e.code === 'E_EMPTY' && pieces.length > 1) continue;
        out.errors.push({ ...e, offset: e.offset + p.start });
      }
      for (const r of a.refs) out.refs.push({ ...r, start: r.start + p.start, end: r.end + p.start });
      for (const u of a.unknown) out.unknown.push({ ...u, start: u.start + p.start, end: u.end + p.start });
    }
    this.cache = next;
    return out;
  }
}

function analyzePiece(grammar: Grammar, text: string): Analysis {
  return {
    errors: grammar.parse(text).errors.map((e) => ({ code: e.code, message: e.message, offset: e.offset })),
    refs: cascadeRefs(text),
    unknown: unknownOperators(grammar, text),
  };
}

/** Pieces that end just after a `;` that closes a statement (comments-only stretches join the next). */
function cut(text: string): Piece[] {
  const pieces: Piece[] = [];
  let start = 0;
  let significant = false;
  for (const t of scanSql(text).tokens) {
    if (t.type === SqlTok.Semicolon) {
      if (!significant) continue;
      pieces.push({ start, text: text.slice(start, t.end) });
      start = t.end;
      significant = false;
    } else if (t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment) significant = true;
  }
  if (start < text.length || pieces.length === 0) pieces.push({ start, text: text.slice(start) });
  return pieces;
}
