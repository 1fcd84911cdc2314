// Diagnostics run once per burst of changes: five keystrokes inside the
// debounce window give one publication, for the last version.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LspClient } from './lsp-client.js';

test('five quick changes, one publication of the last version', async () => {
  const lsp = await LspClient.start(['--debounce', '300']);
  try {
    const uri = 'file:///tmp/rvbbit-lsp-debounce.sql';
    await lsp.open(uri, 'SELECT 1');
    assert.is(lsp.publishCount.get(uri), 1);
    // `SELECT 1` → `SELECT 1 AS x`, one character a change, none awaited.
    const changes = [...' AS x'].map((ch, i) => {
      const at = { line: 0, character: 8 + i };
      return lsp.change(uri, [{ range: { start: at, end: at }, text: ch }]);
    });
    const published = await changes[changes.length - 1]!;
    assert.equal(published, { version: 6, diagnostics: [] });
    assert.is(lsp.publishCount.get(uri), 2);
  } finally {
    await lsp.stop();
  }
});

test.run();
