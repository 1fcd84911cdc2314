/**
 * One `sql_function.test_cases` entry's `expect`, checked against the value
 * its SQL returned (`rvbbit cascades test`). The semantics are larsql's
 * (`_evaluate_expectation` in lars/cli.py, what `lars ssql test` runs), so a
 * file written for larsql passes or fails alike:
 *
 * - The value is compared as text, trimmed, as larsql compares `str(value)`;
 *   NULL (or no row) passes only `expect: null` (or no `expect`).
 * - A literal `true` passes `true`, `1` or `yes` (any case); `false` passes
 *   anything else. A number passes a number within 0.01 of it. Any other
 *   literal passes the same text, ignoring case.
 * - `{type: contains, value}`: the text holds `value`, ignoring case.
 * - `{type: regex, pattern}`: `pattern` is found anywhere in the text (not anchored, case kept).
 *   It runs on RE2 (re2js), in time linear in the text: a third-party file's
 *   `^(a+)+$` cannot hang the run as it would a backtracking engine (Python's,
 *   JavaScript's). RE2 has no lookaround and no backreferences: such a
 *   pattern does not compile, and the case fails saying so.
 * - `{type: range, min, max}`: the text is a number in [min, max]; either bound may be left out.
 * - `{type: one_of, values}`: the text is one of `values`, ignoring case
 *   (a number in `values` also matches that number written otherwise: 25 matches 25.0).
 * - `{type: json_contains, fields}`: the text is a JSON object holding each
 *   key of `fields` with that value (a null value: the key is there, any value).
 *   larsql's own files write `path: "$.city"` with `value`, which larsql never
 *   reads; here they are read too (`$.a.b[0]`), so such a case checks something.
 *
 * Where larsql reads a missing field as a default that passes everything
 * (`contains` without `value`, `regex` without `pattern`, `json_contains`
 * without `fields`, `range` without bounds), this reports the expectation as
 * malformed: a test that checks nothing should say so. Nothing here throws.
 */
import { RE2JS } from 're2js';

export type ExpectResult = { readonly pass: true } | { readonly pass: false; readonly reason: string };

/** A well-formed expectation: what it wants, in words, and its test (a failure's reason, or undefined). */
interface Matcher {
  readonly wants: string;
  readonly test: (text: string) => string | undefined;
}

const PASS: ExpectResult = { pass: true };
const fail = (reason: string): ExpectResult => ({ pass: false, reason });

/** larsql's numeric literals compare within this. */
const NUMBER_TOLERANCE = 0.01;
/** The text larsql reads as a true boolean (lower-cased). */
const TRUE_TEXT = new Set(['true', '1', 'yes']);
/** Longer values are cut in a reason: an LLM's paragraph would drown the line. */
const SHOWN_CHARS = 80;

type Kind = (spec: Readonly<Record<string, unknown>>) => Matcher | string;
const KINDS: Readonly<Record<string, Kind>> = {
  contains,
  regex,
  range,
  one_of: oneOf,
  json_contains: jsonContains,
};
const KIND_NAMES = Object.keys(KINDS).join(', ');

/**
 * Checks one test case's value against its `expect`. `actual` is the value as
 * DuckDB prints it (null for SQL NULL or when the statement returned no row).
 */
export function checkExpect(actual: string | null, expect: unknown): ExpectResult {
  const matcher = matcherFor(expect);
  if (typeof matcher === 'string') return fail(matcher);
  if (actual === null)
    return expect === null || expect === undefined ? PASS : fail(`expected ${matcher.wants}, got NULL`);
  const reason = matcher.test(actual.trim());
  return reason === undefined ? PASS : fail(reason);
}

/** The matcher for `expect`, or why it is malformed. */
function matcherFor(expect: unknown): Matcher | string {
  if (expect === null || expect === undefined) {
    return { wants: 'NULL', test: (text) => `expected NULL, got ${shown(text)}` };
  }
  if (Array.isArray(expect)) return 'expect is a value or a mapping with a type, not a list';
  if (typeof expect === 'object') {
    const spec = expect as Readonly<Record<string, unknown>>;
    const type = spec['type'];
    if (type === undefined) return `an expect mapping needs a type: one of ${KIND_NAMES}`;
    const kind = typeof type === 'string' && Object.hasOwn(KINDS, type) ? KINDS[type] : undefined;
    if (!kind) return `unknown expectation type '${String(type)}' (known: ${KIND_NAMES})`;
    return kind(spec);
  }
  return literal(expect);
}

function literal(expect: unknown): Matcher {
  if (typeof expect === 'boolean') {
    return {
      wants: String(expect),
      test: (text) =>
        TRUE_TEXT.has(text.toLowerCase()) === expect ? undefined : `expected ${expect}, got ${shown(text)}`,
    };
  }
  if (typeof expect === 'number') {
    const wants = `${expect} (±${NUMBER_TOLERANCE})`;
    return {
      wants,
      test: (text) => {
        const n = numberOf(text);
        if (n === undefined) return `expected ${wants}, got ${shown(text)} (not a number)`;
        return Math.abs(n - expect) < NUMBER_TOLERANCE ? undefined : `expected ${wants}, got ${text}`;
      },
    };
  }
  const wanted = String(expect).trim();
  return {
    wants: shown(wanted),
    test: (text) =>
      text.toLowerCase() === wanted.toLowerCase()
        ? undefined
        : `expected ${shown(wanted)}, got ${shown(text)}`,
  };
}

function contains(spec: Readonly<Record<string, unknown>>): Matcher | string {
  const value = spec['value'];
  if (typeof value !== 'string') return `contains needs "value": the text to find (a string)`;
  const wants = `text containing ${shown(value)}`;
  return {
    wants,
    test: (text) =>
      text.toLowerCase().includes(value.toLowerCase()) ? undefined : `expected ${wants}, got ${shown(text)}`,
  };
}

function regex(spec: Readonly<Record<string, unknown>>): Matcher | string {
  const pattern = spec['pattern'];
  if (typeof pattern !== 'string') return `regex needs "pattern": a regular expression (a string)`;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    return `regex "pattern" does not compile (RE2 syntax): ${(err as Error).message}`;
  }
  const wants = `a match for /${pattern}/`;
  return {
    wants,
    test: (text) => (re.matcher(text).find() ? undefined : `expected ${wants}, got ${shown(text)}`),
  };
}

function range(spec: Readonly<Record<string, unknown>>): Matcher | string {
  const min = spec['min'];
  const max = spec['max'];
  if (min === undefined && max === undefined) return `range needs "min", "max" or both (numbers)`;
  for (const [name, bound] of [
    ['min', min],
    ['max', max],
  ] as const) {
    if (bound !== undefined && typeof bound !== 'number')
      return `range "${name}" must be a number, not ${shown(String(bound))}`;
  }
  const low = (min as number | undefined) ?? Number.NEGATIVE_INFINITY;
  const high = (max as number | undefined) ?? Number.POSITIVE_INFINITY;
  const wants = `a number in [${min ?? '-inf'}, ${max ?? 'inf'}]`;
  return {
    wants,
    test: (text) => {
      const n = numberOf(text);
      if (n === undefined) return `expected ${wants}, got ${shown(text)} (not a number)`;
      return low <= n && n <= high ? undefined : `expected ${wants}, got ${text}`;
    },
  };
}

function oneOf(spec: Readonly<Record<string, unknown>>): Matcher | string {
  const values = spec['values'];
  if (!Array.isArray(values) || values.length === 0)
    return `one_of needs "values": a list of the accepted values`;
  const texts = new Set(values.map((v) => String(v).trim().toLowerCase()));
  const numbers = values.filter((v): v is number => typeof v === 'number');
  const wants = `one of [${values.map(String).join(', ')}]`;
  return {
    wants,
    test: (text) => {
      if (texts.has(text.toLowerCase())) return undefined;
      const n = numberOf(text);
      if (n !== undefined && numbers.includes(n)) return undefined;
      return `expected ${wants}, got ${shown(text)}`;
    },
  };
}

function jsonContains(spec: Readonly<Record<string, unknown>>): Matcher | string {
  const fields = spec['fields'];
  const path = spec['path'];
  if (fields === undefined && path === undefined) {
    return `json_contains needs "fields" (a mapping of key to value) or "path" (such as $.key) with "value"`;
  }
  if (fields !== undefined && (fields === null || typeof fields !== 'object' || Array.isArray(fields))) {
    return `json_contains "fields" must be a mapping of key to value`;
  }
  let steps: readonly (string | number)[] | undefined;
  if (path !== undefined) {
    steps = typeof path === 'string' ? pathSteps(path) : undefined;
    if (!steps)
      return `json_contains "path" must look like $.key, $.key.sub or $.list[0], not ${shown(String(path))}`;
  }
  const expected = Object.entries((fields ?? {}) as Record<string, unknown>);
  const value = spec['value'];
  const parts = [
    ...expected.map(([k, v]) => (v === null ? k : `${k}: ${JSON.stringify(v)}`)),
    ...(path === undefined
      ? []
      : [value === undefined || value === null ? String(path) : `${path}: ${JSON.stringify(value)}`]),
  ];
  const wants = `JSON with {${parts.join(', ')}}`;
  return {
    wants,
    test: (text) => {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        return `expected ${wants}, got ${shown(text)} (not JSON)`;
      }
      if (expected.length > 0) {
        if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
          return `expected ${wants}, got ${cut(text)} (not a JSON object)`;
        }
        const object = doc as Record<string, unknown>;
        for (const [key, want] of expected) {
          if (!Object.hasOwn(object, key)) return `expected ${wants}, got ${cut(text)} (no key "${key}")`;
          if (want !== null && !sameJson(object[key], want)) {
            return `key "${key}": expected ${shownJson(want)}, got ${shownJson(object[key])}`;
          }
        }
      }
      if (steps) {
        const found = at(doc, steps);
        if (!found.present) return `expected ${wants}, got ${cut(text)} (nothing at ${path})`;
        if (value !== undefined && value !== null && !sameJson(found.value, value)) {
          return `${path}: expected ${shownJson(value)}, got ${shownJson(found.value)}`;
        }
      }
      return undefined;
    },
  };
}

/** `$.a.b[0]['c d']` as keys and indexes, or undefined when it is no such path. */
function pathSteps(path: string): (string | number)[] | undefined {
  const step = /\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  if (!path.startsWith('$')) return undefined;
  const steps: (string | number)[] = [];
  step.lastIndex = 1;
  while (step.lastIndex < path.length) {
    const m = step.exec(path);
    if (!m) return undefined;
    steps.push(m[2] !== undefined ? Number(m[2]) : ((m[1] ?? m[3] ?? m[4]) as string));
  }
  return steps;
}

function at(doc: unknown, steps: readonly (string | number)[]): { present: boolean; value?: unknown } {
  let here = doc;
  for (const step of steps) {
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, step)) return { present: false };
    here = (here as Record<string | number, unknown>)[step];
  }
  return { present: true, value: here };
}

/** Deep equality of JSON values, as Python's `==` on the parsed document. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]))
    );
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/** The text as Python's float() reads it (larsql's numeric checks), or undefined. */
function numberOf(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?(inf|infinity)$/.test(t))
    return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (/^[+-]?nan$/.test(t)) return Number.NaN;
  return undefined;
}

/** A value in a reason: quoted, and cut when long. */
function shown(text: string): string {
  return JSON.stringify(cut(text));
}

/** JSON in a reason, as JSON, cut when long. */
function shownJson(value: unknown): string {
  return cut(JSON.stringify(value));
}

function cut(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text;
}
