#!/usr/bin/env node
// Writes grammar/duckdb-functions.ts: the names of the installed DuckDB's
// built-in functions, which a cascade's function-call form may not take
// (`FILL(x)` would shadow DuckDB's fill()). test/grammar/duckdb-functions.test.ts
// fails when the list and the installed DuckDB differ: run this then.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

export async function duckdbFunctionNames() {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const rows = (
    await con.runAndReadAll(
      "SELECT DISTINCT upper(function_name) FROM duckdb_functions() WHERE NOT internal OR schema_name IN ('main', 'pg_catalog') ORDER BY 1",
    )
  ).getRows();
  const version = (await con.runAndReadAll('SELECT version()')).getRows()[0][0];
  con.closeSync();
  db.closeSync();
  return { version, names: rows.map((r) => r[0]).filter((n) => /^[A-Z_][A-Z0-9_]*$/.test(n)) };
}

export function moduleText({ version, names }) {
  const lines = [];
  let line = '';
  for (const n of names) {
    if (line.length + n.length + 1 > 100) {
      lines.push(line.trim());
      line = '';
    }
    line += `${n} `;
  }
  if (line) lines.push(line.trim());
  return `/**
 * DuckDB's built-in function names (DuckDB ${version}), upper-cased: a
 * cascade's function-call form may not take one (it would shadow DuckDB's
 * function). Written by scripts/duckdb-functions.mjs from duckdb_functions();
 * test/grammar/duckdb-functions.test.ts fails when it is stale.
 */
export const DUCKDB_FUNCTIONS: ReadonlySet<string> = new Set(
  \`
${lines.join('\n')}
\`
    .trim()
    .split(/\\s+/),
);
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL('../grammar/duckdb-functions.ts', import.meta.url));
  writeFileSync(out, moduleText(await duckdbFunctionNames()));
  console.log(`wrote ${out}`);
}
