/**
 * The layer rules (.dependency-cruiser.cjs) catch what they say they catch:
 * run on a small tree of their own that breaks each rule once, they name each
 * break, and on one that keeps them they pass. `npm test` runs them on the
 * repository itself (`npm run layers`), and docs/architecture.md's layer
 * table must be the one drawn from them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

/** Writes `files` (path → text) into a fresh folder with a tsconfig, cruises it with the project's rules. */
function cruise(files: Record<string, string>): Violation[] {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-layers-'));
  try {
    const all = {
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
      }),
      ...files,
    };
    for (const [path, text] of Object.entries(all)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const roots = [...new Set(Object.keys(files).map((path) => path.split('/')[0]!))];
    const run = spawnSync(
      process.execPath,
      [DEPCRUISE, ...roots, '--config', CONFIG, '--output-type', 'json'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    assert.is(run.stderr, '', run.stderr);
    const out = JSON.parse(run.stdout) as {
      summary: { violations: { rule: { name: string }; from: string; to: string }[] };
    };
    return out.summary.violations
      .map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }))
      .sort((a, b) => a.from.localeCompare(b.from) || a.rule.localeCompare(b.rule));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a tree that keeps the layers passes', () => {
  const found = cruise({
    'base/errors.ts': 'export const E = 1;\n',
    'grammar/parse.ts': "import { E } from '../base/errors.js';\nexport const P = E;\n",
    'src/llm/client.ts': "import { E } from '../../base/errors.js';\nexport const C = E;\n",
    'src/runtime/mark.ts': "export const M = 'x';\n",
    'src/sim/server.ts': "import { M } from '../runtime/mark.js';\nexport const S = M;\n",
  });
  assert.equal(found, []);
});

test('each broken rule is named: upward, around, circular, unlayered, test code', () => {
  const found = cruise({
    'base/errors.ts': "import { P } from '../grammar/parse.js';\nexport const E = P;\n",
    'grammar/parse.ts':
      "export const P = 1;\nimport { C } from '../src/llm/client.js';\nexport const Q = C;\n",
    'src/llm/client.ts': 'export const C = 1;\n',
    'src/sim/server.ts': "import { C } from '../llm/client.js';\nexport const S = C;\n",
    'src/plan/a.ts': "import { B } from './b.js';\nexport const A = 1 + B;\n",
    'src/plan/b.ts': "import { A } from './a.js';\nexport const B = () => A;\n",
    'src/newfolder/x.ts': "import { C } from '../llm/client.js';\nexport const X = C;\n",
    'src/dispatch/y.ts': "import { F } from '../../test/fixture.js';\nexport const Y = F;\n",
    'test/fixture.ts': 'export const F = 1;\n',
  });
  const rules = found.map((v) => `${v.rule}: ${v.from} → ${v.to}`);
  assert.ok(rules.includes('layer-base: base/errors.ts → grammar/parse.ts'), rules.join('\n'));
  assert.ok(rules.includes('layer-grammar: grammar/parse.ts → src/llm/client.ts'), rules.join('\n'));
  assert.ok(rules.includes('layer-sim: src/sim/server.ts → src/llm/client.ts'), rules.join('\n'));
  assert.ok(rules.includes('no-circular: src/plan/a.ts → src/plan/b.ts'), rules.join('\n'));
  assert.ok(rules.includes('no-unlayered-source: src/newfolder/x.ts → src/llm/client.ts'), rules.join('\n'));
  assert.ok(rules.includes('no-test-code-in-product: src/dispatch/y.ts → test/fixture.ts'), rules.join('\n'));
});

test('a statement kind never imports another, nor a kind folder not yet listed; the dispatch core is shared', () => {
  const found = cruise({
    'src/dispatch/row-dispatch.ts': 'export const D = 1;\n',
    'src/statements/map/map-rows.ts':
      "import { D } from '../../dispatch/row-dispatch.js';\nexport const M = D;\n",
    'src/statements/run/run-statement.ts':
      "import { M } from '../map/map-rows.js';\nimport { D } from '../../dispatch/row-dispatch.js';\nexport const R = M + D;\n",
    'src/statements/semantic/state/a.ts': "import { B } from './b.js';\nexport const A = B;\n",
    'src/statements/semantic/state/b.ts': 'export const B = 1;\n',
    'src/statements/newkind/x.ts': "import { B } from '../semantic/state/b.js';\nexport const X = B;\n",
  });
  const rules = found.map((v) => `${v.rule}: ${v.from} → ${v.to}`);
  assert.equal(
    rules.filter((r) => !r.startsWith('no-unlayered-source')),
    [
      'no-kind-imports-another-kind: src/statements/newkind/x.ts → src/statements/semantic/state/b.ts',
      'layer-run: src/statements/run/run-statement.ts → src/statements/map/map-rows.ts',
      'no-kind-imports-another-kind: src/statements/run/run-statement.ts → src/statements/map/map-rows.ts',
    ],
  );
});

test("semantic SQL's rooms import only the rooms below them, and every file of the kind is in a room", () => {
  const found = cruise({
    'src/statements/semantic/state/answers.ts': 'export const A = 1;\n',
    'src/statements/semantic/plan/plan.ts': "import { A } from '../state/answers.js';\nexport const P = A;\n",
    'src/statements/semantic/explain/explain.ts':
      "import { P } from '../plan/plan.js';\nexport const E = P;\n",
    // Upward: the plan reads EXPLAIN; the state reads the plan.
    'src/statements/semantic/plan/reads-explain.ts':
      "import { E } from '../explain/explain.js';\nexport const R = E;\n",
    'src/statements/semantic/state/reads-plan.ts':
      "import { P } from '../plan/plan.js';\nexport const S = P;\n",
    // In no room.
    'src/statements/semantic/loose.ts': "import { A } from './state/answers.js';\nexport const L = A;\n",
  });
  assert.equal(
    found.map((v) => `${v.rule}: ${v.from} → ${v.to}`),
    [
      'semantic-file-in-a-room: src/statements/semantic/loose.ts → src/statements/semantic/state/answers.ts',
      'semantic-room-plan: src/statements/semantic/plan/reads-explain.ts → src/statements/semantic/explain/explain.ts',
      'semantic-room-state: src/statements/semantic/state/reads-plan.ts → src/statements/semantic/plan/plan.ts',
    ],
  );
});

test("docs/architecture.md's layer table is the one the rules enforce", () => {
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts/layers-doc.mjs'), '--check'], {
    encoding: 'utf8',
  });
  assert.is(run.status, 0, run.stderr);
});

test.run();
