/**
 * The start-up scan for folders a crashed engine left (db/owned-folders.ts) when
 * other engines start and stop at the same moment: a folder it listed may be gone
 * by the time it looks at it, and that must not fail this engine's start.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeOrphans } from '../../src/db/owned-folders.js';

test('a listed orphan removed by someone else before it is checked is skipped; the other orphans are still removed', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rvbbit-orphan-race-'));
  try {
    // The id of a process that has exited: its folders are orphans.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    for (const tag of ['Abc123', 'Def456', 'Ghi789']) mkdirSync(join(tmp, `race-${gone}-${tag}`));
    // `ours` runs between the listing and the owner's check: there the first folder listed is
    // removed, as another engine's scan (or its own process's close) would remove it.
    let raced: string | undefined;
    const removed = removeOrphans(tmp, /^race-(\d+)-[A-Za-z0-9]+$/, (entry) => {
      if (raced === undefined) {
        raced = entry.name;
        rmSync(join(tmp, entry.name), { recursive: true });
      }
      return true;
    });
    assert.ok(raced);
    assert.is(removed.length, 2);
    assert.not.ok(removed.includes(join(tmp, raced!)));
    assert.equal(readdirSync(tmp), []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
