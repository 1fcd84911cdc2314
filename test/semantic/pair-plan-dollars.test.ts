/**
 * The pair planner picks by dollars, not tokens (issue 67, pair-plan.ts planPairs):
 * each plan priced at its own cascade's models, so when the small side's
 * candidates cascade goes to a dearer model than the blocks cascade, the plan of
 * fewest tokens (the small side, packed) is not the plan of fewest dollars
 * (blocks). With no price, or one plan unpriced, tokens decide. 12 × 12 pairs
 * of `~`, the shipped cascades, no model called. The small side's answers are
 * priced at a third of its candidates listed (cost/expected-matches.ts: 155
 * output tokens), every one as its bound (339; before, its only figure).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Cascade } from '../../src/cascade/cascade-types.js';
import { loadOperatorCatalog } from '../../src/plan/operator-catalog.js';
import { StatementPacking } from '../../src/statements/semantic/cost/packing.js';
import { chosenBy, type PlanPricer, planPairs } from '../../src/statements/semantic/pairs/pair-plan.js';

const test = suite('semantic: the pair planner picks by dollars');

async function setup() {
  const catalog = loadOperatorCatalog([]);
  const fn = catalog.functions.get('semantic_same')!;
  await Promise.all([fn.lazy.load(), catalog.candidates.load(), catalog.pairBlocks.load()]);
  const [a, b] = fn.sql.args.map((x) => x.name) as [string, string];
  const lefts = Array.from({ length: 12 }, (_, i) => `left item number ${i} about a product`);
  const rights = Array.from({ length: 12 }, (_, i) => `right ${i}`);
  const tuples = lefts.flatMap((l, i) =>
    rights.map((r, j) => ({ key: `${i} ${j}`, fn, inputs: { [a]: l, [b]: r, hint: '' } })),
  );
  const packing = new StatementPacking('auto', undefined, {
    llm: { defaultModel: 'sim-small' },
    learnedWindows: new Map(),
  });
  const plan = (dollars?: PlanPricer) => {
    const groups = planPairs(fn, tuples, catalog, {
      smallSide: 64,
      packing: packing.forFunction(fn),
      hint: '',
      ...(dollars ? { dollars } : {}),
    });
    const choices = groups.flatMap((g) => g.choices ?? []);
    assert.is(choices.length, 1);
    return { groups, costs: choices[0]!.costs };
  };
  return { catalog, plan };
}

const summary = (
  costs: readonly {
    kind: string;
    tokensIn: number;
    tokensOut: number;
    dollars: number | null;
    atMost?: { tokensOut: number };
  }[],
) => costs.map((c) => [c.kind, c.tokensIn, c.tokensOut, c.dollars, c.atMost?.tokensOut]);

test('unpriced, the fewest tokens: the small side, packed (531 + 155 expected, 339 at most) before blocks (634 + 581)', async () => {
  const { plan } = await setup();
  const { groups, costs } = plan();
  assert.equal(summary(costs), [
    ['small side', 531, 155, null, 339],
    ['blocks', 634, 581, null, undefined],
    ['packed', 5076, 621, null, undefined],
  ]);
  assert.is(chosenBy(costs), 'tokens');
  assert.ok(groups[0]!.plan, 'the small side is the plan run');
});

test('output at 4× input, the candidates cascade at a model 4× dearer: blocks have more tokens and fewer dollars, and are chosen', async () => {
  const { catalog, plan } = await setup();
  // A dollar a million input tokens, 4 a million output tokens; the small side's model 4× that.
  const candidates: Cascade = catalog.candidates.cascade;
  const pricer: PlanPricer = (cascade, tokensIn, tokensOut) =>
    ((cascade === candidates ? 4 : 1) * (tokensIn + 4 * tokensOut)) / 1e6;
  const { groups, costs } = plan(pricer);
  assert.equal(
    summary(costs),
    [
      ['blocks', 634, 581, 0.002958, undefined],
      ['packed', 5076, 621, 0.00756, undefined],
      ['small side', 531, 155, 0.004604, 339],
    ].sort((x, y) => Number(x[3]) - Number(y[3])),
  );
  assert.is(costs[0]!.kind, 'blocks');
  assert.ok(
    costs[0]!.tokensIn + costs[0]!.tokensOut > 531 + 155,
    'the plan chosen is not the one of fewest tokens',
  );
  assert.is(chosenBy(costs), 'dollars');
  assert.ok(groups[0]!.blocks, 'blocks are the plan run');
  assert.is(groups[0]!.plan, null);
});

test('one plan without a price: tokens decide, as unpriced', async () => {
  const { catalog, plan } = await setup();
  const candidates = catalog.candidates.cascade;
  const { costs } = plan((cascade, tokensIn, tokensOut) =>
    cascade === candidates ? null : (tokensIn + 4 * tokensOut) / 1e6,
  );
  assert.is(costs[0]!.kind, 'small side');
  assert.is(chosenBy(costs), 'tokens');
});

test.run();
