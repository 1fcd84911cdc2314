/**
 * The grammar's built-in operator words (grammar/operators.ts, what the bare
 * `rvbbit/grammar` parses with) are exactly the ones the shipped operator
 * cascades declare (cascades/semantic/*.yaml, `sql_function.operators`), so
 * the two cannot drift.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_OPERATORS } from '../../grammar/operators.js';
import { loadOperatorCatalog } from '../../src/plan/operator-catalog.js';

test('DEFAULT_OPERATORS = the words, functions, result types and optional words of the shipped cascades', () => {
  const catalog = loadOperatorCatalog([]);
  // One entry per word: `ALIGNS` and `ALIGNS WITH` are one word with an optional WITH.
  const byWord = new Map<
    string,
    { word: string; functionName: string; returns: string; optionalWord?: string }
  >();
  for (const fn of catalog.functions.values()) {
    for (const form of fn.sql.operators) {
      const [word, optionalWord] = form.keywords as [string, string | undefined];
      const prev = byWord.get(word);
      const optional = optionalWord ?? prev?.optionalWord;
      byWord.set(word, {
        word,
        functionName: fn.name,
        returns: fn.sql.returns,
        ...(optional ? { optionalWord: optional } : {}),
      });
    }
  }
  const shipped = [...byWord.values()];
  const key = (d: { word: string }) => d.word;
  const sorted = <T extends { word: string }>(xs: readonly T[]) =>
    [...xs].sort((a, b) => key(a).localeCompare(key(b)));
  const builtIn = DEFAULT_OPERATORS.map((d) => ({
    word: d.word,
    functionName: d.functionName,
    returns: d.returns,
    ...(d.optionalWord ? { optionalWord: d.optionalWord } : {}),
  }));
  assert.equal(sorted(builtIn), sorted(shipped));
});

test.run();
