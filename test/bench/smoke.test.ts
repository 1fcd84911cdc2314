import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SuiteResult } from '../../bench/records.js';
import { runSuite } from '../../bench/suite.js';

test('--quick --scenario smoke writes well-formed JSON, Markdown and SVG charts to --out', async () => {
  const out = mkdtempSync(join(tmpdir(), 'rvbbit-bench-'));
  try {
    const { files } = await runSuite({ quick: true, scenarios: ['smoke'], out, log: () => undefined });
    assert.is(files.json, join(out, 'quick-smoke.json'));
    const result = JSON.parse(readFileSync(files.json, 'utf8')) as SuiteResult;
    assert.ok(result.machine.cpu.length > 0);
    assert.ok(result.machine.cores >= 1);
    assert.match(result.machine.node, /^v\d+/);
    assert.match(result.machine.duckdb, /\d+\.\d+/);
    const ok = result.runs.filter((r) => r.status === 'ok');
    assert.ok(ok.length >= 10, `${ok.length} runs`);
    for (const r of ok) {
      assert.ok(r.wallMs! > 0);
      assert.is(r.llmCalls, r.expectedCalls, `${r.strategy} at P ${r.parallel}: calls from the simulator`);
    }
    assert.ok(ok.some((r) => r.strategy === 'pool') && ok.some((r) => r.strategy === 'raw'));
    assert.ok(result.cells.some((c) => c.speedup !== null && c.efficiency !== null));
    const md = readFileSync(files.markdown, 'utf8');
    assert.match(md, /\| workload \| N \| latency \| P \| strategy \|/);
    assert.is(files.charts.length, 3);
    for (const file of files.charts) {
      const svg = readFileSync(file, 'utf8');
      assert.ok(svg.startsWith('<svg'), file);
      assert.ok(svg.includes('</svg>') && svg.length > 2000, `${file} has content`);
      assert.ok(/<path|<line|<rect/.test(svg), `${file} draws marks`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
