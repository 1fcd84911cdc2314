/**
 * `rvbbit cascades list [dir]`, `rvbbit cascades validate [dir|file]` and
 * `rvbbit cascades test [dir|file]`: every *.yaml under the folder (default:
 * ./cascades and the shipped ones), loaded and checked as the engine would;
 * validate exits 1 on any problem, test (cascade-tests.ts) on any failed case.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { SqlFunction } from '../cascade/cascade-types.js';
import { SHIPPED_CASCADES } from '../runtime/package-files.js';
import { addEngineFlags, type EngineFlags } from './engine-flags.js';

/** Cascade files under `path` (or `path` itself), sorted. */
function cascadeFiles(path: string): string[] {
  const info = statSync(path);
  if (info.isFile()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...cascadeFiles(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

interface Checked {
  readonly file: string;
  readonly id?: string;
  readonly cells?: number;
  readonly description?: string;
  readonly problems: readonly string[];
  /** `line:col: path: what`: keys ignored, operator forms skipped. */
  readonly warnings: readonly string[];
  readonly internal?: boolean;
  readonly sqlFunction?: SqlFunction;
  readonly templateEngine?: 'liquid' | 'jinja';
  /** Defined by CREATE SEMANTIC FUNCTION: `file` says where it is stored. */
  readonly stored?: boolean;
}

/** A cascade that loaded: what list and validate show of it. */
function loaded(
  file: string,
  c: {
    cascadeId: string;
    cells: readonly unknown[];
    description?: string;
    templateEngine?: 'liquid' | 'jinja';
  },
  sqlFunction: SqlFunction | undefined,
  more: { warnings: readonly string[]; internal?: boolean; stored?: boolean },
): Checked {
  return {
    file,
    id: c.cascadeId,
    cells: c.cells.length,
    ...(c.description !== undefined ? { description: c.description } : {}),
    problems: [],
    ...more,
    ...(sqlFunction ? { sqlFunction } : {}),
    ...(c.templateEngine ? { templateEngine: c.templateEngine } : {}),
  };
}

/**
 * The functions CREATE SEMANTIC FUNCTION stored in the database file `db`
 * (rvbbit.semantic_functions), each loaded from its stored cascade text as
 * the engine loads it. The file is opened read-only: a running engine that
 * holds it makes this fail with DuckDB's lock error, never change it.
 */
async function storedFunctions(db: string): Promise<Checked[]> {
  const [{ DuckDBInstance }, { loadCascadeText }, { readOperatorFile }] = await Promise.all([
    import('@duckdb/node-api'),
    import('../cascade/load-cascade.js'),
    import('../plan/operator-file.js'),
  ]);
  const instance = await DuckDBInstance.create(resolve(db), { access_mode: 'READ_ONLY' });
  try {
    const con = await instance.connect();
    const has = await con.runAndReadAll(
      "SELECT 1 FROM duckdb_tables() WHERE schema_name = 'rvbbit' AND table_name = 'semantic_functions'",
    );
    if (has.getRows().length === 0) return [];
    const rows = (
      await con.runAndReadAll('SELECT name, cascade_yaml FROM rvbbit.semantic_functions ORDER BY name')
    ).getRowObjectsJS();
    return rows.map((r) => {
      const name = String(r['name']);
      const file = `${db}: rvbbit.semantic_functions.${name}`;
      const text = String(r['cascade_yaml']);
      try {
        const c = loadCascadeText(text, file);
        const sql = readOperatorFile(file, text)?.sql ?? c.sqlFunction;
        return loaded(file, c, sql, { warnings: [], stored: true });
      } catch (err) {
        return { file, problems: [(err as Error).message], warnings: [], stored: true };
      }
    });
  } finally {
    instance.closeSync();
  }
}

async function check(file: string): Promise<Checked> {
  const [{ CascadeError }, { loadCascade }, { readOperatorFile }, { RvbbitError }] = await Promise.all([
    import('../cascade/cascade-error.js'),
    import('../cascade/load-cascade.js'),
    import('../plan/operator-file.js'),
    import('../../base/errors.js'),
  ]);
  const where = (p: { line: number; column: number; path: string; what: string }) =>
    `${p.line > 0 ? `${p.line}:${p.column}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.what}`;
  try {
    const c = await loadCascade(file);
    // An operator's words as the engine checks them at start (a SQL keyword, three words, a DuckDB function).
    const op = c.sqlFunction ? readOperatorFile(file, readFileSync(file, 'utf8')) : undefined;
    // The file's own notes (keys ignored, model tools dropped) and its operator's (forms skipped), each once.
    const warnings = [
      ...new Set([...c.loadWarnings, ...(op?.warnings ?? []).map((w) => w.slice(file.length + 1))]),
    ];
    return loaded(file, c, c.sqlFunction, { warnings, ...(c.internal ? { internal: true } : {}) });
  } catch (err) {
    const d = err instanceof RvbbitError ? err.detail : {};
    const problems =
      err instanceof CascadeError
        ? err.problems.map(where)
        : typeof d.line === 'number' && typeof d.what === 'string'
          ? [where(d as { line: number; column: number; path: string; what: string })]
          : [(err as Error).message];
    return { file, problems, warnings: [] };
  }
}

function roots(dir: string | undefined): string[] {
  if (dir !== undefined) return [dir];
  const local = join(process.cwd(), 'cascades');
  try {
    statSync(local);
    return local === SHIPPED_CASCADES.replace(/\/$/, '') ? [local] : [local, SHIPPED_CASCADES];
  } catch {
    return [SHIPPED_CASCADES];
  }
}

async function checkAll(dir: string | undefined): Promise<Checked[] | undefined> {
  const files: string[] = [];
  for (const root of roots(dir)) {
    try {
      files.push(...cascadeFiles(root));
    } catch {
      process.stderr.write(`rvbbit cascades: no such file or folder: ${root}\n`);
      return undefined;
    }
  }
  return Promise.all([...new Set(files)].map(check));
}

export function registerCascades(program: Command): void {
  const cascades = program.command('cascades').description('list, validate or test cascade files');
  cascades
    .command('list')
    .description('list the cascades in a folder (default: ./cascades and the shipped ones)')
    .argument('[dir]', 'folder or file')
    .option(
      '--db <file>',
      'also list the semantic functions defined in this database (CREATE SEMANTIC FUNCTION)',
    )
    .action(async (dir: string | undefined, flags: { db?: string }) => {
      const files = await checkAll(dir);
      if (!files) {
        process.exitCode = 1;
        return;
      }
      const all = flags.db ? [...files, ...(await storedFunctions(flags.db))] : files;
      const rows = all.map((c) => {
        const fn = c.sqlFunction;
        return {
          file: c.stored ? c.file : relative(process.cwd(), c.file) || c.file,
          cascade_id: c.id ?? '(invalid)',
          cells: c.cells ?? null,
          // An operator: its function, shape and larsql's `internal` mark.
          function: fn
            ? `${fn.name} (${fn.shape}${c.internal ? ', internal' : ''}${c.stored ? ', sql' : ''})`
            : '',
          templates: c.templateEngine ?? '',
          description: (fn?.description ?? c.description ?? c.problems[0] ?? '').trim().slice(0, 60),
        };
      });
      const { renderResult } = await import('../output/render-result.js');
      const columns = [
        { name: 'file', type: 'VARCHAR' },
        { name: 'cascade_id', type: 'VARCHAR' },
        { name: 'cells', type: 'INTEGER' },
        { name: 'function', type: 'VARCHAR' },
        { name: 'templates', type: 'VARCHAR' },
        { name: 'description', type: 'VARCHAR' },
      ];
      process.stdout.write(renderResult({ columns, rows }, 'table').replace(/\(\d+ rows?\)\n$/, ''));
      process.stdout.write(`(${all.length} cascade${all.length === 1 ? '' : 's'})\n`);
    });
  cascades
    .command('validate')
    .description('load and check every cascade; prints each problem with file:line:col; exit 1 if any')
    .argument('[dir]', 'folder or file')
    .action(async (dir: string | undefined) => {
      const all = await checkAll(dir);
      if (!all) {
        process.exitCode = 1;
        return;
      }
      let bad = 0;
      for (const c of all) {
        const name = relative(process.cwd(), c.file) || c.file;
        for (const w of c.warnings) process.stdout.write(`warning  ${name}:${w}\n`);
        if (c.problems.length === 0) process.stdout.write(`ok       ${name}\n`);
        else {
          bad++;
          for (const p of c.problems) process.stdout.write(`invalid  ${name}:${p}\n`);
        }
      }
      process.stdout.write(`${all.length - bad} valid, ${bad} invalid\n`);
      process.exitCode = bad > 0 ? 1 : 0;
    });
  const test = cascades
    .command('test')
    .description("run the operators' sql_function.test_cases (larsql's format); exit 1 if any fails")
    .argument('[dir]', 'folder or file')
    .option('--filter <text>', "only the cases whose function's or file's name contains this (any case)")
    .option(
      '--allow-files <dir>',
      "let the cases' SQL read and write files under this folder (repeatable; default: no files)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), resolve(value)],
    )
    .option('--allow-all-files', "give the cases' SQL DuckDB's full file access (a folder you trust)")
    .addHelpText(
      'after',
      `
Each case's SQL runs on an engine that has the folder's operators (on the
simulator unless a provider is configured); the first column of its first row
is checked against expect: a literal, or {type: contains | regex | range |
one_of | json_contains, …} (docs/cascades.md "Testing operators"). Prints
PASS, FAIL or SKIP, the file, the function, the description and the SQL, a
failure's reason under it, then "N passed, M failed, K skipped". A file that
does not load is a failure; a case with skip: true or without sql is skipped.
The cases' SQL comes with the folder, so it runs as a server client's would:
no file, no extension install or load, no network, unless --allow-files or
--allow-all-files says otherwise.
Exit status: 0 every case passed, 1 a case failed or a file did not load.`,
    );
  addEngineFlags(test).action(
    async (
      dir: string | undefined,
      flags: EngineFlags & { filter?: string; allowFiles?: string[]; allowAllFiles?: boolean },
      command: Command,
    ) => {
      const all = await checkAll(dir);
      if (!all) {
        process.exitCode = 1;
        return;
      }
      const [{ runCascadeTests }, { printError }] = await Promise.all([
        import('./cascade-tests.js'),
        import('./print-error.js'),
      ]);
      const { filter, allowFiles, allowAllFiles, ...engineFlags } = flags;
      const files = all.map((c) => ({
        file: relative(process.cwd(), c.file) || c.file,
        problems: c.problems,
        ...(c.sqlFunction ? { sqlFunction: c.sqlFunction } : {}),
      }));
      try {
        process.exitCode = await runCascadeTests(files, {
          ...(filter !== undefined ? { filter } : {}),
          // The engine discovers operators in folders: a single file's are those of its folder.
          ...(dir !== undefined ? { operatorFolder: statSync(dir).isFile() ? dirname(dir) : dir } : {}),
          flags: engineFlags,
          fileAccess: allowAllFiles ? 'all' : (allowFiles ?? []),
        });
      } catch (err) {
        // The engine did not start (a bad --db, provider or config file): no case could run.
        printError(err, Boolean(command.optsWithGlobals().debug));
        process.exitCode = 1;
      }
    },
  );
}
