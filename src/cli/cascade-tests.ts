/**
 * `rvbbit cascades test [dir]`: each operator cascade's larsql-style
 * `sql_function.test_cases`, run on an engine whose operators include the
 * folder's, the first column of the first row checked against `expect`
 * (src/cascade/sql-test-expect.ts). One line a case, the reason under a
 * failure, then a summary; exit 1 when a case failed or a file did not load.
 */
import { basename } from 'node:path';
import { errorMessage } from '../../base/errors.js';
import type { SqlFunction, SqlTestCase } from '../cascade/cascade-types.js';
import type { ExpectResult } from '../cascade/sql-test-expect.js';
import type { QueryResult } from '../db/query-result.js';
import type { EngineFlags } from './engine-flags.js';

export interface TestedFile {
  /** As printed (relative to the working directory). */
  readonly file: string;
  /** Why it did not load; empty when it did. */
  readonly problems: readonly string[];
  readonly sqlFunction?: SqlFunction;
}

/** A file that did not load, or one test case to run or skip, in file order. */
export type TestItem =
  | { readonly file: string; readonly problems: readonly string[] }
  | {
      readonly file: string;
      readonly functionName: string;
      readonly testCase: SqlTestCase;
      /** Why it is not run. */
      readonly skipped?: string;
    };

/**
 * The files that did not load and the cases of those that did, kept by
 * `filter` (a case-insensitive part of the function's or the file's name).
 */
export function selectTests(files: readonly TestedFile[], filter?: string): TestItem[] {
  const wanted = filter?.toLowerCase();
  const kept = (...names: string[]) =>
    wanted === undefined || names.some((n) => n.toLowerCase().includes(wanted));
  const items: TestItem[] = [];
  for (const { file, problems, sqlFunction } of files) {
    if (problems.length > 0) {
      if (kept(basename(file))) items.push({ file, problems });
      continue;
    }
    if (!sqlFunction || !kept(sqlFunction.name, basename(file))) continue;
    for (const testCase of sqlFunction.testCases) {
      const skipped = testCase.skip
        ? 'the case says skip: true'
        : !testCase.sql?.trim()
          ? 'the case has no sql'
          : undefined;
      items.push({ file, functionName: sqlFunction.name, testCase, ...(skipped ? { skipped } : {}) });
    }
  }
  return items;
}

export interface TestRunOptions {
  readonly filter?: string;
  /** The folder holding the files, made an operator root of the engine (before --cascades). */
  readonly operatorFolder?: string;
  readonly flags: EngineFlags;
  /**
   * The files the cases' SQL may reach: none (`[]`), these folders, or all.
   * A folder's test cases are third-party SQL, run as a server client's is.
   */
  readonly fileAccess: readonly string[] | 'all';
}

/** Runs the tests, prints a line each and the summary; resolves to the exit code. */
export async function runCascadeTests(
  files: readonly TestedFile[],
  options: TestRunOptions,
): Promise<number> {
  const items = selectTests(files, options.filter);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const because = (reason: string) => print(`      ${reason}`);
  let runner: Runner | undefined;
  try {
    for (const item of items) {
      if (!('testCase' in item)) {
        counts.failed++;
        print(`FAIL  ${item.file}: does not load`);
        for (const problem of item.problems) because(problem);
        continue;
      }
      const { testCase } = item;
      const what = `${item.file}  ${item.functionName}${testCase.description ? ` (${testCase.description})` : ''}`;
      const sql = testCase.sql?.trim() ?? '';
      const shownSql = sql === '' ? '(no sql)' : sql.replace(/\s+/g, ' ');
      if (item.skipped) {
        counts.skipped++;
        print(`SKIP  ${what}: ${shownSql}`);
        because(`skipped: ${item.skipped}`);
        continue;
      }
      runner ??= await startRunner(options);
      const outcome = await runner.check(sql, testCase.expect);
      if (outcome.pass) {
        counts.passed++;
        print(`PASS  ${what}: ${shownSql}`);
      } else {
        counts.failed++;
        print(`FAIL  ${what}: ${shownSql}`);
        because(outcome.reason);
      }
    }
  } finally {
    await runner?.close();
  }
  print(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return counts.failed > 0 ? 1 : 0;
}

/** DuckDB's refusal of a file, an extension or the network once external access is off. */
const CLOSED_TO_FILES = /disabled by configuration|Permission Error|permission denied/i;
const FILES_HINT =
  " (the cases' SQL runs closed to files and extensions: --allow-files <dir> or --allow-all-files opens them)";

interface Runner {
  check(sql: string, expect: unknown): Promise<ExpectResult>;
  close(): Promise<void>;
}

/** The engine, started only when a case runs (a folder without tests needs none). */
async function startRunner(options: TestRunOptions): Promise<Runner> {
  const [
    { readCliConfig },
    { engineFromFlags },
    { checkExpect },
    { valueText },
    { rowKeys },
    { closeFilesToClients },
    { guardConnection },
  ] = await Promise.all([
    import('../config/cli-config.js'),
    import('./engine-flags.js'),
    import('../cascade/sql-test-expect.js'),
    import('../output/value-text.js'),
    import('../db/query-result.js'),
    import('../server/client-access.js'),
    import('../server/engine-file-guard.js'),
  ]);
  const config = readCliConfig();
  const { flags, operatorFolder } = options;
  const engine = await engineFromFlags(
    operatorFolder
      ? { ...flags, cascades: [operatorFolder, ...(flags.cascades ?? config.cascades ?? [])] }
      : flags,
    config,
  );
  // Closed as a server's clients are (DuckDB's enable_external_access off: no file, no
  // extension install or load, no httpfs), and the engine's own files guarded: a
  // downloaded folder's test_cases SQL must not write files or fetch code.
  let session: Awaited<ReturnType<typeof engine.session>>;
  try {
    const { fileGuard } = await closeFilesToClients(engine, options.fileAccess);
    // One session for every case, as larsql runs its tests.
    session = await engine.session();
    session.connection.guard((con) => guardConnection(con, fileGuard));
  } catch (err) {
    await engine.close();
    throw err;
  }
  /** What larsql tests: the first column of the first row, as DuckDB prints it (null: NULL or no row). */
  const firstValue = (result: QueryResult): string | null => {
    const [column] = result.columns;
    const [row] = result.rows;
    if (!column || !row) return null;
    return valueText(row[rowKeys(result.columns)[0]!], column.type);
  };
  return {
    async check(sql, expect) {
      try {
        return checkExpect(firstValue(await session.query(sql)), expect);
      } catch (err) {
        // An engine error's first line says what; the rest is the caret block under it.
        const first = errorMessage(err).split('\n')[0]!;
        const closed = options.fileAccess !== 'all' && CLOSED_TO_FILES.test(first);
        return { pass: false, reason: `error: ${first}${closed ? FILES_HINT : ''}` };
      }
    },
    async close() {
      session.close();
      await engine.close();
    },
  };
}
