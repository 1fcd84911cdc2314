import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ADJECTIVES, CREATURES, SESSION_ID_PATTERN, sessionId } from '../../src/cascade/session-id.js';

test('woodland names: <adjective>-<creature>-<6 hex>, from 40 words each', () => {
  assert.is(ADJECTIVES.length, 40);
  assert.is(CREATURES.length, 40);
  assert.is(new Set(ADJECTIVES).size, 40);
  assert.is(new Set(CREATURES).size, 40);
  for (const w of [...ADJECTIVES, ...CREATURES]) assert.match(w, /^[a-z]+$/);
  const id = sessionId();
  const [adjective, creature, hex] = id.split('-');
  assert.ok((ADJECTIVES as readonly string[]).includes(adjective!));
  assert.ok((CREATURES as readonly string[]).includes(creature!));
  assert.match(hex!, /^[0-9a-f]{6}$/);
  assert.match(id, SESSION_ID_PATTERN);
});

test('prefixes say where a run came from', () => {
  assert.match(sessionId('udf'), /^udf-[a-z]+-[a-z]+-[0-9a-f]{6}$/);
  assert.match(sessionId('batch'), /^batch-[a-z]+-[a-z]+-[0-9a-f]{6}$/);
  assert.match(sessionId('sql_fn_semantic_means_'), /^sql_fn_semantic_means_[a-z]+-[a-z]+-[0-9a-f]{6}$/);
  assert.match(sessionId('udf'), SESSION_ID_PATTERN);
});

test('ids are random: 2000 draws, no repeats, many words used', () => {
  const ids = Array.from({ length: 2000 }, () => sessionId());
  assert.is(new Set(ids).size, 2000);
  assert.ok(new Set(ids.map((i) => i.split('-')[0])).size > 30);
  assert.ok(new Set(ids.map((i) => i.split('-')[1])).size > 30);
});

test.run();
