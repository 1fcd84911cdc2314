import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSqlType, RETURNING_TYPES, sqlTypeText, TYPE_NAMES, typeFamily } from '../../grammar/index.js';
import { DUCK_NAME_OF, DUCK_NAMES } from '../../grammar/type-names.js';

test('the type vocabulary: every name has a family; aliases share one; DECIMAL(p,s) and case are read', () => {
  assert.equal(
    TYPE_NAMES.map((n) => typeFamily(n)),
    [
      'text',
      'text',
      'text',
      'integer',
      'integer',
      'bigint',
      'double',
      'double',
      'double',
      'decimal',
      'boolean',
      'boolean',
      'json',
      'date',
      'timestamp',
      'time',
    ],
  );
  assert.is(typeFamily('varchar'), 'text');
  assert.is(typeFamily('DECIMAL(10, 2)'), 'decimal');
  assert.is(typeFamily('VARCHAR[]'), undefined);
  assert.is(typeFamily('UUID'), undefined);
  assert.is(typeFamily(' VARCHAR'), undefined);
});

test('each family has one DuckDB result name; RETURNING lists them once each and writes them back', () => {
  assert.equal(DUCK_NAMES, [
    'BOOLEAN',
    'INTEGER',
    'BIGINT',
    'DOUBLE',
    'VARCHAR',
    'DATE',
    'TIME',
    'TIMESTAMP',
    'JSON',
  ]);
  assert.is(
    RETURNING_TYPES,
    "BOOLEAN, INTEGER, BIGINT, DOUBLE, VARCHAR, DATE, TIME, TIMESTAMP, JSON, ENUM('a', 'b', …), STRUCT(name type, …) or a list type[]",
  );
  for (const name of TYPE_NAMES) {
    const parsed = parseSqlType(name);
    assert.ok(parsed.ok, name);
    if (parsed.ok) assert.is(sqlTypeText(parsed.type), DUCK_NAME_OF[typeFamily(name)!], name);
  }
  assert.is(DUCK_NAME_OF.decimal, 'DOUBLE');
});

test("RETURNING's messages list ENUM among its types", () => {
  const unknown = parseSqlType('MAP');
  assert.equal(unknown, {
    ok: false,
    message:
      "unknown type MAP: RETURNING takes BOOLEAN, INTEGER, BIGINT, DOUBLE, VARCHAR, DATE, TIME, TIMESTAMP, JSON, ENUM('a', 'b', …), STRUCT(name type, …) or a list type[]",
    offset: 0,
  });
  const missing = parseSqlType('STRUCT(a)');
  assert.ok(!missing.ok && missing.message.includes("ENUM('a', 'b', …)"), JSON.stringify(missing));
});

test.run();
