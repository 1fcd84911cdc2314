import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TYPE_NAMES, typeFamily } from '../../grammar/index.js';

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

test.run();
