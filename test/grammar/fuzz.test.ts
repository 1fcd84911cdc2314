// Mutation fuzzing: every valid example is mutated thousands of times (seeded,
// so failures reproduce). Nothing may throw or hang; every position reported
// must lie inside the input; anything that parses must format and re-parse.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ParseResult, Span } from '../../grammar/index.js';
import { complete, format, parse, stripSpans, tokens } from '../../grammar/index.js';
import { mulberry32 } from '../../src/sim/rng.js';
import { threadCpuMs } from '../thread-cpu.js';
import { VALID } from './corpus.js';

const EXTRA = [
  "RVBBIT MAP 'x' AS (a INT) USING (SELECT a FROM t WHERE b MEANS 'c' ORDER BY d RELEVANCE TO 'e') WITH (limit = 3, cache = '2h')",
  "SELECT LLM_CLASSIFY(x, 'a,b'), LLM_THEMES(y, 3) FROM t WHERE (a || b) IMPLIES $1 AND c ~ d GROUP BY 1",
  '-- @ parallel: 3\n-- @ cache: true\nSELECT a::TEXT ABOUT "q" > 0.5 FROM t',
];
const CORPUS = [...VALID, ...EXTRA];
const MUTATIONS = 600;

function checkSpan(span: Span, len: number, what: string): void {
  assert.ok(span.start >= 0 && span.start <= span.end && span.end <= len, `${what} span inside input`);
  assert.ok(span.line >= 1 && span.column >= 1, `${what} line/column are 1-based`);
}

function walkSpans(node: unknown, len: number): void {
  if (Array.isArray(node)) for (const n of node) walkSpans(n, len);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k.endsWith('pan') && v && typeof v === 'object' && 'start' in v) checkSpan(v as Span, len, k);
      else walkSpans(v, len);
    }
  }
}

function checkResult(sql: string, r: ParseResult): void {
  assert.ok(Array.isArray(r.statements) && Array.isArray(r.errors));
  for (const e of r.errors) {
    assert.ok(e.offset >= 0 && e.offset <= sql.length, `error offset inside input: ${e.code}`);
    assert.ok(e.line >= 1 && e.column >= 1 && typeof e.code === 'string' && e.code.startsWith('E_'));
    assert.ok(e.rendered.includes(`--> ${e.line}:${e.column}`));
  }
  walkSpans(r.statements, sql.length);
  if (r.statements.length > 0) {
    const again = parse(format(r.statements));
    assert.equal(again.errors, [], `formatted text re-parses: ${JSON.stringify(sql)}`);
    assert.equal(
      stripSpans(again.statements),
      stripSpans(r.statements),
      `round trip: ${JSON.stringify(sql)}`,
    );
  }
}

function mutate(sql: string, rnd: () => number): string {
  const toks = tokens(sql);
  const pick = () => toks[Math.floor(rnd() * toks.length)]!;
  if (toks.length === 0) return sql;
  const op = Math.floor(rnd() * 6);
  const a = pick();
  const b = pick();
  switch (op) {
    case 0: // delete a token
      return sql.slice(0, a.start) + sql.slice(a.end);
    case 1: // duplicate a token
      return `${sql.slice(0, a.end)} ${a.text}${sql.slice(a.end)}`;
    case 2: {
      // swap two tokens
      const [x, y] = a.start < b.start ? [a, b] : [b, a];
      if (x.end > y.start) return sql;
      return sql.slice(0, x.start) + y.text + sql.slice(x.end, y.start) + x.text + sql.slice(y.end);
    }
    case 3: // truncate
      return sql.slice(0, Math.floor(rnd() * sql.length));
    case 4: // insert a special character
      return sql.slice(0, a.start) + '()\';"$-/*@~,'[Math.floor(rnd() * 12)] + sql.slice(a.start);
    default: // delete the half of a token
      return sql.slice(0, a.start) + sql.slice(a.start + Math.ceil((a.end - a.start) / 2));
  }
}

test('mutated examples: never throw, positions inside input, parses round-trip', () => {
  const rnd = mulberry32(20261121);
  let runs = 0;
  let parsedOk = 0;
  // This thread's CPU, not the wall clock: on a busy machine the parser waits for a core.
  const t0 = threadCpuMs();
  for (const base of CORPUS) {
    let sql = base;
    for (let i = 0; i < MUTATIONS; i++) {
      // Mostly fresh mutations of the example, sometimes mutations of mutations.
      sql = mutate(rnd() < 0.7 ? base : sql, rnd);
      const r = parse(sql);
      checkResult(sql, r);
      if (r.errors.length === 0) parsedOk++;
      const offset = Math.floor(rnd() * (sql.length + 1));
      assert.ok(Array.isArray(complete(sql, offset)));
      assert.ok(Array.isArray(tokens(sql)));
      runs++;
    }
  }
  assert.is(runs, CORPUS.length * MUTATIONS);
  assert.ok(
    parsedOk > runs / 10 && parsedOk < runs,
    `a mix of valid and invalid inputs (${parsedOk}/${runs})`,
  );
  assert.ok(threadCpuMs() - t0 < 10_000, 'fuzzing stays under 10 s of CPU');
});

test('random bytes: never throw', () => {
  const rnd = mulberry32(7);
  for (let i = 0; i < 300; i++) {
    const len = Math.floor(rnd() * 200);
    const sql = String.fromCharCode(
      ...Array.from({ length: len }, () => Math.floor(rnd() * (rnd() < 0.8 ? 128 : 65536))),
    );
    const r = parse(sql);
    checkResult(sql, r);
    complete(sql, Math.floor(rnd() * (len + 1)));
    tokens(sql);
  }
});

test('a 1 MB statement parses, linearly', () => {
  const where = Array.from({ length: 30_000 }, (_, i) => `(c${i} = 'it''s' OR d${i} MEANS "x")`).join(
    ' AND ',
  );
  const sql = `RVBBIT MAP 'x' USING (SELECT * FROM t WHERE ${where})`;
  assert.ok(sql.length > 1_000_000);
  const t0 = threadCpuMs();
  const r = parse(sql);
  const ms = threadCpuMs() - t0;
  assert.equal(r.errors, []);
  const s = r.statements[0]!;
  if (s.kind !== 'MapStatement') throw new Error('expected MAP');
  assert.is(s.using.sql.length, sql.length - 23);
  assert.is(s.using.operators.length, 30_000);
  assert.ok(ms < 2000, `1 MB parsed in ${ms.toFixed(0)} ms of CPU`);
  const broken = parse(`${sql.slice(0, -1)}`);
  assert.equal(
    broken.errors.map((e) => e.code),
    ['E_UNBALANCED_PAREN'],
  );
});

test.run();
