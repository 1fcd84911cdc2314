/**
 * What Tab offers, against a real engine and session (real DuckDB catalog,
 * the example cascade roots): tables, columns, aliases, functions, semantic
 * words, cascade paths, WITH keys; the catalog read once, again after a change.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { changesCatalog, ReplCatalog } from '../../src/cli/repl-catalog.js';
import { completeLine } from '../../src/cli/repl-completion.js';
import { completionSources } from '../../src/cli/repl-session.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { Session } from '../../src/engine/session.js';
import { CASCADES } from './helpers.js';

let engine: Engine;
let session: Session;
let catalog: ReplCatalog;
let tab: (pending: string, line: string) => Promise<[string[], string]>;

test.before(async () => {
  engine = await createEngine({ cascadeRoots: [CASCADES] });
  session = await engine.session();
  await session.query(
    'CREATE TABLE products(id INTEGER, product_name VARCHAR, price DOUBLE); CREATE TABLE orders(order_id INTEGER, product_id INTEGER)',
  );
  catalog = new ReplCatalog(
    session,
    engine.grammar.operators.map((o) => o.word),
  );
  const sources = completionSources(engine, catalog);
  tab = (pending, line) => completeLine(sources, pending, line);
});

test.after(async () => {
  session.close();
  await engine.close();
});

test('the RVBBIT grammar: keywords and WITH keys (the grammar list: RUN takes no on_error), nothing read from the catalog', async () => {
  assert.equal(await tab('', 'RVBBIT MAP PAR'), [['PARALLEL'], 'PAR']);
  assert.equal(await tab('RVBBIT MAP\n', 'PARA'), [['PARALLEL'], 'PARA']);
  assert.equal(await tab('', "RVBBIT MAP 'x' USING (SELECT 1) WITH (on_"), [['on_error'], 'on_']);
  assert.equal(await tab('', "RVBBIT RUN 'x' USING (SELECT 1) WITH (on_"), [[], 'on_']);
  assert.equal(await tab('', "RVBBIT MAP 'x' USING (SELECT 1) WITH (budget"), [
    ['budget_dollars', 'budget_tokens'],
    'budget',
  ]);
  assert.is(catalog.loads, 0);
});

test('cascade paths inside the quoted reference of MAP/RUN, folder by folder', async () => {
  assert.equal(await tab('', "RVBBIT MAP 'tr"), [['traits/'], 'tr']);
  assert.equal(await tab('', "LARS MAP 'tr"), [['traits/'], 'tr'], "larsql's LARS is RVBBIT");
  assert.equal(await tab('', "RVBBIT MAP PARALLEL 2 'traits/ex"), [
    ['traits/extract_brand.yaml'],
    'traits/ex',
  ]);
  assert.equal(await tab('', "EXPLAIN RVBBIT RUN 'traits/"), [
    ['traits/analyze_batch.yaml', 'traits/extract_brand.yaml'],
    'traits/',
  ]);
  assert.equal(await tab('', "RVBBIT MAP '../"), [[], '../']);
  assert.is(catalog.loads, 0);
});

test('tables after FROM, columns after table. or an alias, and names, columns and functions anywhere in SQL', async () => {
  assert.equal(await tab('', 'SELECT * FROM pro'), [['products'], 'pro']);
  assert.equal(await tab('', 'SELECT * FROM rvbbit.q'), [['queries'], 'q']);
  assert.equal(await tab('', 'SELECT products.pr'), [['product_name', 'price'], 'pr']);
  assert.equal(await tab('SELECT o.order_id\n', 'FROM orders AS o JOIN products p ON p.'), [
    ['id', 'product_name', 'price'],
    '',
  ]);
  assert.equal(await tab('', 'SELECT product_'), [['product_id', 'product_name'], 'product_']);
  assert.equal(await tab('', 'SELECT regexp_ma'), [['regexp_matches'], 'regexp_ma']);
  assert.equal(await tab('', 'SELECT llm_su'), [['LLM_SUMMARIZE'], 'llm_su']);
  assert.equal(await tab('', 'SELECT * FROM products WHERE product_name ALI'), [['ALIGNS', 'alias'], 'ALI']);
  assert.equal(await tab('', "RVBBIT MAP 'x' USING (SELECT order_"), [['order_id'], 'order_']);
  assert.equal(await tab('', "SELECT 'prod"), [[], '']);
  assert.equal(await tab('', 'SELECT 1 -- prod'), [[], '']);
  assert.is(catalog.loads, 1);
});

test('command names, then a table name or the words a command takes', async () => {
  assert.equal(await tab('', '.sc'), [['.schema'], '.sc']);
  assert.equal(await tab('', '\\d'), [['\\dt'], '\\d']);
  assert.equal(await tab('', '\\d pro'), [['products'], 'pro']);
  assert.equal(await tab('', '.schema rvbbit.q'), [['rvbbit.queries'], 'rvbbit.q']);
  assert.equal(await tab('', '.mode cs'), [['csv'], 'cs']);
  assert.equal(await tab('', '.timer o'), [['on', 'off'], 'o']);
  assert.equal(await tab('', '.tables x'), [[], 'x']);
  // Inside a statement a line starting with '.' is SQL, not a command.
  assert.equal(await tab('SELECT products\n', '.pri'), [['price'], 'pri']);
});

test('the catalog is read again only after a statement that may change it', async () => {
  assert.ok(changesCatalog('CREATE TABLE t AS SELECT 1'));
  assert.ok(changesCatalog("RVBBIT MAP 'x' USING (SELECT 1) WITH (as_table = 't')"));
  assert.not.ok(changesCatalog('SELECT * FROM products'));
  await session.query('CREATE TABLE customers(customer_id INTEGER)');
  assert.equal(await tab('', 'SELECT * FROM cus'), [[], 'cus']);
  catalog.markStale();
  assert.equal(await tab('', 'SELECT * FROM cus'), [['customers'], 'cus']);
  assert.equal(await tab('', 'SELECT customer'), [['customers', 'customer_id'], 'customer']);
  assert.is(catalog.loads, 2);
});

test.run();
