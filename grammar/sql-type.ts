/**
 * A SQL type as a caller writes it after RETURNING (`LLM('…', x RETURNING
 * STRUCT(name VARCHAR, tags VARCHAR[]))`): a scalar of the dialect's
 * vocabulary (type-names.ts), an ENUM of labels (`ENUM('a', 'b')`, DuckDB's
 * spelling: the answer is one of them), a STRUCT of named fields, or a list
 * `T[]`, nested freely. Parsed here so the grammar reports a bad type at its
 * column and the engine derives the answer's JSON Schema and DuckDB type
 * from one tree (src/statements/semantic/rewrite/returning-type.ts).
 */
import { DUCK_NAME_OF, DUCK_NAMES, type TypeFamily, typeFamily } from './type-names.js';

export type SqlTypeTree =
  | { readonly kind: 'scalar'; readonly family: TypeFamily }
  /** `ENUM('a', 'b')`: the labels in the order written, each once, none empty. */
  | { readonly kind: 'enum'; readonly labels: readonly string[] }
  | {
      readonly kind: 'struct';
      readonly fields: readonly { readonly name: string; readonly type: SqlTypeTree }[];
    }
  | { readonly kind: 'list'; readonly of: SqlTypeTree };

export type SqlTypeParse =
  | { readonly ok: true; readonly type: SqlTypeTree }
  | { readonly ok: false; readonly message: string; readonly offset: number };

/** Nesting deeper than this is refused: a provider's structured output stops at 10 levels (OpenAI) anyway. */
const MAX_DEPTH = 8;
const MAX_FIELDS = 100;

/** What RETURNING takes, as its messages list it. */
export const RETURNING_TYPES = `${DUCK_NAMES.join(', ')}, ENUM('a', 'b', …), STRUCT(name type, …) or a list type[]`;

/** More labels than this is refused: a schema's enum that long is a lookup, not a choice. */
const MAX_LABELS = 1000;

interface Tok {
  readonly text: string;
  readonly at: number;
  /** word, quoted identifier, string literal (an ENUM's label), punctuation or number. */
  readonly kind: 'word' | 'quoted' | 'string' | 'punct' | 'number';
}

function lex(text: string): Tok[] | { message: string; offset: number } {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) i++;
    else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      toks.push({ text: m, at: i, kind: 'word' });
      i += m.length;
    } else if (/[0-9]/.test(ch)) {
      const m = /^[0-9]+/.exec(text.slice(i))![0];
      toks.push({ text: m, at: i, kind: 'number' });
      i += m.length;
    } else if (ch === '"' || ch === "'") {
      // "field" or 'label'; the quote doubled stands for itself, as in SQL.
      let j = i + 1;
      let name = '';
      for (; j < text.length; j++) {
        if (text[j] === ch && text[j + 1] === ch) {
          name += ch;
          j++;
        } else if (text[j] === ch) break;
        else name += text[j];
      }
      if (j >= text.length)
        return { message: ch === '"' ? 'unterminated quoted field name' : 'unterminated label', offset: i };
      toks.push({ text: name, at: i, kind: ch === '"' ? 'quoted' : 'string' });
      i = j + 1;
    } else if ('(),[]'.includes(ch)) {
      toks.push({ text: ch, at: i, kind: 'punct' });
      i++;
    } else return { message: `unexpected '${ch}' in a type`, offset: i };
  }
  return toks;
}

/** Parses `text` as one type; offsets in errors are into `text`. */
export function parseSqlType(text: string): SqlTypeParse {
  const toks = lex(text);
  if (!Array.isArray(toks)) return { ok: false, ...toks };
  let k = 0;
  const end = text.length;
  const fail = (message: string, at = toks[k]?.at ?? end): never => {
    throw { message, offset: at };
  };
  const punct = (p: string): boolean => toks[k]?.kind === 'punct' && toks[k]!.text === p;
  const type = (depth: number): SqlTypeTree => {
    if (depth > MAX_DEPTH) fail(`a type nested deeper than ${MAX_DEPTH} levels`);
    const t = toks[k];
    if (t?.kind !== 'word') fail(`expected a type (${RETURNING_TYPES})`);
    k++;
    let base: SqlTypeTree;
    const up = t!.text.toUpperCase();
    if (up === 'STRUCT') {
      if (!punct('(')) fail('STRUCT needs its fields: STRUCT(name type, …)');
      k++;
      const fields: { name: string; type: SqlTypeTree }[] = [];
      const seen = new Set<string>();
      while (true) {
        const f = toks[k];
        if (!f || (f.kind !== 'word' && f.kind !== 'quoted')) fail('expected a field name');
        k++;
        if (seen.has(f!.text)) fail(`field "${f!.text}" is named twice`, f!.at);
        seen.add(f!.text);
        fields.push({ name: f!.text, type: type(depth + 1) });
        if (fields.length > MAX_FIELDS) fail(`a STRUCT of more than ${MAX_FIELDS} fields`, f!.at);
        if (punct(',')) {
          k++;
          continue;
        }
        if (punct(')')) {
          k++;
          break;
        }
        fail("expected ',' or ')' in STRUCT(…)");
      }
      base = { kind: 'struct', fields };
    } else if (up === 'ENUM') {
      base = { kind: 'enum', labels: enumLabels() };
    } else if (up === 'DECIMAL' || up === 'NUMERIC') {
      // DECIMAL(p, s) is read as DOUBLE, as everywhere in the dialect.
      if (punct('(')) {
        while (k < toks.length && !punct(')')) k++;
        if (!punct(')')) fail("expected ')'");
        k++;
      }
      base = { kind: 'scalar', family: 'double' };
    } else {
      const family = typeFamily(up);
      if (!family) fail(`unknown type ${t!.text}: RETURNING takes ${RETURNING_TYPES}`, t!.at);
      base = { kind: 'scalar', family: family! };
    }
    while (punct('[')) {
      k++;
      if (!punct(']')) fail("expected ']'");
      k++;
      base = { kind: 'list', of: base };
    }
    return base;
  };
  // `ENUM('a', 'b')` after its word: the labels, each a non-empty string literal, each once.
  const enumLabels = (): string[] => {
    if (!punct('(')) fail("ENUM needs its labels: ENUM('a', 'b', …)");
    k++;
    if (punct(')')) fail("ENUM needs at least one label: ENUM('a', 'b', …)");
    const labels: string[] = [];
    while (true) {
      const l = toks[k];
      if (l?.kind !== 'string')
        fail(`an ENUM label is a string literal ('a'), got ${l ? l.text : 'nothing'}`, l?.at);
      k++;
      if (l!.text === '') fail('an ENUM label cannot be empty', l!.at);
      if (labels.includes(l!.text)) fail(`ENUM label '${l!.text}' is listed twice`, l!.at);
      labels.push(l!.text);
      if (labels.length > MAX_LABELS) fail(`an ENUM of more than ${MAX_LABELS} labels`, l!.at);
      if (punct(',')) {
        k++;
        continue;
      }
      if (punct(')')) {
        k++;
        return labels;
      }
      fail("expected ',' or ')' in ENUM(…)");
    }
  };
  try {
    const t = type(0);
    if (k < toks.length) fail(`unexpected '${toks[k]!.text}' after the type`);
    return { ok: true, type: t };
  } catch (err) {
    const e = err as { message: string; offset: number };
    if (typeof e?.offset !== 'number') throw err;
    return { ok: false, message: e.message, offset: e.offset };
  }
}

/** The type as DuckDB writes it: `STRUCT("name" VARCHAR, "tags" VARCHAR[])`. */
export function sqlTypeText(t: SqlTypeTree): string {
  switch (t.kind) {
    case 'scalar':
      return DUCK_NAME_OF[t.family];
    case 'enum':
      return `ENUM(${t.labels.map((l) => `'${l.replace(/'/g, "''")}'`).join(', ')})`;
    case 'list':
      return `${sqlTypeText(t.of)}[]`;
    case 'struct':
      return `STRUCT(${t.fields.map((f) => `"${f.name.replace(/"/g, '""')}" ${sqlTypeText(f.type)}`).join(', ')})`;
  }
}
