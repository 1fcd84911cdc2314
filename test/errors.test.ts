import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorMessage, RvbbitError } from '../src/errors.js';

test('RvbbitError keeps its code and detail as plain data', () => {
  const err = new RvbbitError('MAP_BAD_OPTION', 'bad', { key: 'limit' });
  assert.equal(JSON.parse(JSON.stringify(err)), {
    code: 'MAP_BAD_OPTION',
    message: 'bad',
    detail: { key: 'limit' },
  });
  assert.is(errorMessage(err), 'bad');
  assert.is(errorMessage('plain'), 'plain');
});

test.run();
