/**
 * The Jinja `for` loop (jinja-loop.ts runs it in place of @huggingface/jinja's
 * own, which cost ~10x more): every template renders what the library's loop
 * rendered, and counts the same steps (render-bounds.ts: every node evaluated
 * and every block, so every iteration). The texts and step counts below were
 * written from the library's loop (0.5.11, before jinja-loop.ts); the library's
 * own Template renders the same templates to the same text, so a change of
 * the library's loop shows here.
 */
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileJinja, renderJinja } from '../../src/cascade/jinja-templates.js';
import { RenderBudget } from '../../src/cascade/render-bounds.js';

const scope = {
  xs: ['a', 'b', 'c'],
  pairs: [
    [1, 2],
    [3, 4],
  ],
  obj: { k: 1, j: 'two' },
  rows: [[1, 2], [3]],
  empty: [],
};

/** A render's budget that counts its steps (RenderBudget's own count is private: another name). */
/**
 * Counts steps, without the time bound: these tests check what a loop renders
 * and the steps it counts, and the clock is render-bounds' own (a loaded
 * machine took 10,000 iterations past the main thread's 250 ms once).
 */
class CountingBudget extends RenderBudget {
  steps = 0;
  constructor() {
    super(undefined);
  }
  override tick(): void {
    this.steps++;
    super.tick();
  }
  override check(): void {}
}

/** What a template renders (or "ERROR name: message") and the steps it counted. */
function rendered(source: string, data: Record<string, unknown> = scope): [string, number] {
  const budget = new CountingBudget();
  try {
    return [renderJinja(compileJinja(source), data, budget), budget.steps];
  } catch (err) {
    return [`ERROR ${(err as Error).name}: ${(err as Error).message}`, budget.steps];
  }
}

/** [template, what it renders with `scope`, steps]: the library's loop's, before jinja-loop.ts. */
const LOOPS: readonly (readonly [string, string, number])[] = [
  // every loop variable; previtem and nextitem are undefined at the ends
  [
    "{% for x in xs %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }}/{{ loop.previtem | default('-') }}/{{ loop.nextitem | default('-') }};{% endfor %}",
    '1/0/3/2/true/false/3/-/b;2/1/2/1/false/false/3/a/c;3/2/1/0/false/true/3/b/-;',
    102,
  ],
  // else: an empty list
  ['{% for x in empty %}{{ x }}{% else %}empty{% endfor %}', 'empty', 6],
  // else: not taken
  ['{% for x in xs %}{{ x }}{% else %}empty{% endfor %}', 'abc', 10],
  // an empty list, no else
  ['{% for x in [] %}{{ x }}{% endfor %}|', '|', 6],
  // unpacking pairs
  ['{% for a, b in pairs %}{{ a }}={{ b }};{% endfor %}', '1=2;3=4;', 14],
  // unpacking a dict's items()
  ['{% for k, v in obj.items() %}{{ k }}:{{ v }};{% endfor %}', 'k:1;j:two;', 16],
  // a dict loops over its keys
  ['{% for k in obj %}{{ k }}={{ obj[k] }};{% endfor %}', 'k=1;j=two;', 18],
  // nesting: the inner loop's loop, then the outer's again
  [
    '{% for r in rows %}{% for c in r %}{{ loop.index }}.{{ c }} {% endfor %}|{{ loop.index }}/{{ loop.length }} {% endfor %}',
    '1.1 2.2 |1/2 1.3 |2/2 ',
    42,
  ],
  // an outer loop kept in a variable
  [
    '{% for r in rows %}{% set outer = loop %}{% for c in r %}{{ outer.index }}-{{ loop.index }} {% endfor %}{% endfor %}',
    '1-1 1-2 2-1 ',
    35,
  ],
  // the if filter: loop counts the kept items
  [
    '{% for x in range(10) if x is odd %}{{ x }}:{{ loop.index }}/{{ loop.length }}/{{ loop.last }},{% endfor %}',
    '1:1/5/false,3:2/5/false,5:3/5/false,7:4/5/false,9:5/5/true,',
    86,
  ],
  // the if filter keeps none: else
  ['{% for x in range(4) if x > 9 %}{{ x }}{% else %}none{% endfor %}', 'none', 20],
  // an inner loop's filter reads the outer loop
  [
    '{% for r in rows %}{% for c in [1, 2, 3] if loop.index == c %}{{ c }}{% endfor %};{% endfor %}',
    '1;2;',
    46,
  ],
  // a set inside the loop does not leak out
  ['{% set y = 0 %}{% for x in xs %}{% set y = x %}{% endfor %}{{ y }}', '0', 16],
  // a set inside the loop is seen by later iterations (one scope per loop, as in the library)
  [
    "{% for x in [1, 2, 3] %}{{ z | default('u') }}{% set z = x %}{% endfor %}{{ z is defined }}",
    'u12false',
    27,
  ],
  // neither the loop variable nor loop leaks
  ['{% for x in xs %}{% endfor %}{{ x is defined }} {{ loop is defined }}', 'false false', 12],
  // continue and break
  [
    '{% for x in range(5) %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}',
    '02',
    49,
  ],
  // every iteration continues: else runs, with the last iteration's loop and item
  ['{% for x in [1, 2] %}{% continue %}{% else %}E{{ loop.index }}{{ x }}{% endfor %}', 'E22', 15],
  // the first iteration breaks: else runs
  ['{% for x in [1, 2] %}{% break %}{% else %}E{% endfor %}', 'E', 10],
  // continue drops what its iteration rendered
  ['{% for x in [1, 2] %}a{% if x == 1 %}{% continue %}{% endif %}b{% endfor %}', 'ab', 22],
  // a string is not iterable
  [
    "{% for c in 'abc' %}{{ c }}{% endfor %}",
    'ERROR JinjaRenderError: Expected iterable or object type in for loop: got StringValue at line 1, column 1',
    5,
  ],
  // too many to unpack
  [
    '{% for a, b in [[1, 2, 3]] %}{{ a }}{% endfor %}',
    'ERROR JinjaRenderError: Too many items to unpack at line 1, column 1',
    13,
  ],
  // too few to unpack
  [
    '{% for a, b in [[1]] %}{{ a }}{% endfor %}',
    'ERROR JinjaRenderError: Too few items to unpack at line 1, column 1',
    9,
  ],
  // unpacking a non-list
  [
    '{% for a, b in [1] %}{{ a }}{% endfor %}',
    'ERROR JinjaRenderError: Cannot unpack non-iterable type: IntegerValue at line 1, column 1',
    7,
  ],
  // unpacking over nothing checks nothing
  ['{% for a, b in [] %}{{ a }}{% endfor %}ok', 'ok', 6],
  // a loop variable named loop hides loop
  ["{% for loop in ['p', 'q'] %}{{ loop }}{% endfor %}", 'pq', 10],
  // a macro called in the body reads the caller's loop
  ['{% macro m() %}{{ loop.index }}{% endmacro %}{% for x in xs %}{{ m() }}{% endfor %}', '123', 23],
  // a set loop replaces it
  ["{% for x in [1, 2] %}{% set loop = 'L' %}{{ loop }}{% endfor %}", 'LL', 14],
  // a set loop after reading it
  ["{% for x in [1, 2] %}{{ loop.index }}{% set loop = 'L' %}{{ loop }}{% endfor %}", '1L2L', 18],
  // loop as JSON: every key, in order
  [
    '{% for x in xs %}{{ loop | tojson }}{% endfor %}',
    '{"index": 1, "index0": 0, "revindex": 3, "revindex0": 2, "first": true, "last": false, "length": 3, "previtem": null, "nextitem": "b"}{"index": 2, "index0": 1, "revindex": 2, "revindex0": 1, "first": false, "last": false, "length": 3, "previtem": "a", "nextitem": "c"}{"index": 3, "index0": 2, "revindex": 1, "revindex0": 0, "first": false, "last": true, "length": 3, "previtem": "b", "nextitem": null}',
    13,
  ],
  // loop's keys, in order
  [
    "{% for x in xs %}{{ loop.keys() | join(',') }}{% endfor %}",
    'index,index0,revindex,revindex0,first,last,length,previtem,nextitemindex,index0,revindex,revindex0,first,last,length,previtem,nextitemindex,index0,revindex,revindex0,first,last,length,previtem,nextitem',
    22,
  ],
  // loop printed (the library prints undefined as undefined)
  [
    "{% for x in ['a'] %}{{ loop }}{% endfor %}",
    '{"index": 1, "index0": 0, "revindex": 1, "revindex0": 0, "first": true, "last": true, "length": 1, "previtem": undefined, "nextitem": undefined}',
    7,
  ],
  // loop as a mapping: length, in, get
  [
    "{% for x in xs %}{{ loop | length }}{{ 'index' in loop }}{{ loop.get('first') }}{% endfor %}",
    '9truetrue9truefalse9truefalse',
    34,
  ],
  // loop's items()
  [
    "{% for x in xs %}{% for k, v in loop.items() %}{{ k }}={{ v | default('-') }} {% endfor %}{% endfor %}",
    'index=1 index0=0 revindex=3 revindex0=2 first=true last=false length=3 previtem=- nextitem=b index=2 index0=1 revindex=2 revindex0=1 first=false last=false length=3 previtem=a nextitem=c index=3 index0=2 revindex=1 revindex0=0 first=false last=true length=3 previtem=b nextitem=- ',
    208,
  ],
  // a missing attribute of loop is lenient under default
  ["{% for x in xs %}{{ loop.nope | default('n') }}{% endfor %}", 'nnn', 22],
  // and an error when printed
  [
    '{% for x in xs %}{{ loop.nope }}{% endfor %}',
    'ERROR JinjaRenderError: undefined variable "loop.nope" at line 1, column 21',
    8,
  ],
  // an undefined iterable is named
  [
    '{% for x in nope %}{% endfor %}',
    'ERROR JinjaRenderError: undefined variable "nope" at line 1, column 13',
    5,
  ],
  // nested empty bodies: every iteration is a step
  ['{% for x in xs %}{% for y in xs %}{% endfor %}{% endfor %}', '', 22],
  // an empty body: every iteration is a step
  ['{% for x in range(3) %}{% endfor %}', '', 9],
  // an empty filtered body: every test and every iteration are steps
  ['{% for x in range(6) if x is even %}{% endfor %}', '', 21],
  // first and last
  [
    '{% for x in xs %}{% if loop.first %}[{% endif %}{{ x }}{% if not loop.last %}, {% endif %}{% if loop.last %}]{% endif %}{% endfor %}',
    '[a, b, c]',
    53,
  ],
  // a syntax the parser refuses
  [
    '{% for x, in [[1], [2]] %}{{ x }}{% endfor %}',
    'ERROR JinjaSyntaxError: Expected `in` keyword following loop variable',
    0,
  ],
  // a namespace summed over loop.index
  [
    '{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + loop.index %}{% endfor %}{{ ns.n }}',
    '6',
    34,
  ],
  // an inner loop variable hides the outer one, only inside
  [
    '{% for x in xs %}{{ x }}{% for x in [1, 2] %}{{ x }}{% endfor %}{{ x }} {% endfor %}',
    'a12a b12b c12c ',
    40,
  ],
  // previtem and nextitem among the kept items
  [
    "{% for x in xs if x != 'b' %}{{ loop.previtem | default('-') }}{{ x }}{{ loop.nextitem | default('-') }} {% endfor %}",
    '-ac ac- ',
    37,
  ],
  // setting the iterable's name inside the loop changes neither the loop nor the name outside
  ['{% for x in xs %}{% set xs = [9] %}{{ x }}{% endfor %}{{ xs | length }}', 'abc3', 21],
  // a call block's caller() reads the loop it is called in
  [
    '{% macro w() %}[{{ caller() }}]{% endmacro %}{% for x in xs %}{% call w() %}{{ loop.index }}{{ x }}{% endcall %}{% endfor %}',
    '[1a][2b][3c]',
    41,
  ],
  // a filter block in the body
  ['{% for x in xs %}{% filter upper %}{{ x }}{{ loop.index }}{% endfilter %}{% endfor %}', 'A1B2C3', 22],
  // a break after an iteration finished: no else, the broken iteration's text dropped
  ['{% for x in xs %}{{ x }}{% if loop.index == 2 %}{% break %}{% endif %}{% else %}E{% endfor %}', 'a', 21],
  // setting the loop variable inside the body
  ["{% for x in xs %}{% set x = 'z' %}{{ x }}{% endfor %}", 'zzz', 16],
  // the filter binds the loop variable in its own scope
  ["{% set x = 'outer' %}{% for x in xs if x != 'a' %}{{ x }}{% endfor %}{{ x }}", 'bcouter', 20],
];

test("each loop renders the library loop's text, errors and step count, exactly", () => {
  for (const [source, text, steps] of LOOPS) assert.equal(rendered(source), [text, steps], source);
});

test("the library's own loop renders the same text for every template that renders", () => {
  const { Template } = createRequire(import.meta.url)('@huggingface/jinja') as {
    Template: new (source: string) => { render(data: unknown): string };
  };
  let compared = 0;
  for (const [source, text] of LOOPS) {
    if (text.startsWith('ERROR ')) continue;
    assert.is(new Template(source).render(scope), text, source);
    compared++;
  }
  assert.is(compared, 43);
});

test('10,000 iterations with output render in full, every iteration counted', () => {
  const expected = Array.from({ length: 10_000 }, (_, i) => `${i},`).join('');
  assert.equal(rendered('{% for i in range(10000) %}{{ i }},{% endfor %}'), [expected, 30006]);
});

test.run();
