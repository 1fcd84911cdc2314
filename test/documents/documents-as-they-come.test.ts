/**
 * Documents as a new user names them (issue 69): the documents page's own
 * `SELECT file, DOCUMENT_TEXT(file) FROM glob('contracts/*')` with
 * `--data-dir contracts`, run from the folder's parent under `rvbbit query`
 * and `rvbbit serve` (glob lists paths from the working directory; the
 * function finds them there); the glob + path pattern parses each file once
 * per statement, and a read_blob of the same files after it parses nothing
 * (the parser pool's counter); a missing file's error names the paths tried
 * and the folders; a bad file's error names the file and its first bytes,
 * and TRY(DOCUMENT_TEXT(file)) skips it while every other row comes back.
 */
import { copyFileSync, linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DocumentParser } from '../../src/documents/document-parser.js';
import { createEngine, type Engine, RvbbitError } from '../../src/index.js';
import { rvbbit, start, waitFor } from '../cli/helpers.js';
import { contractFolder, DOCX_PARAGRAPHS, HTML_TEXT, PDF_TEXT_PAGES } from './fixtures.js';

let dir: string;
let root: string;
let engine: Engine;
let parser: DocumentParser;

const TEXTS: Record<string, string> = {
  'a.pdf': PDF_TEXT_PAGES.join('\n\n'),
  'b.docx': DOCX_PARAGRAPHS.join('\n'),
  'c.html': HTML_TEXT,
};
const GIF = Buffer.from('GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;', 'latin1');

test.before(async () => {
  ({ dir } = await contractFolder());
  root = dirname(dir);
  engine = await createEngine({ dataFolders: [dir], threads: 1 });
  parser = (engine as unknown as { documentParser: DocumentParser }).documentParser;
});
test.after(async () => {
  await engine.close();
  rmSync(root, { recursive: true, force: true });
});

const rows = async (sql: string) => (await engine.query(sql)).rows as Record<string, unknown>[];
async function failure(sql: string): Promise<RvbbitError> {
  try {
    await engine.query(sql);
  } catch (err) {
    assert.instance(err, RvbbitError);
    return err as RvbbitError;
  }
  throw new Error(`expected ${sql} to fail`);
}
/** Every parse the parser ran: on its pool (ahead, between passes) and inside DuckDB's call. */
const parses = () => parser.pool.stats.parsed + parser.stats.blocking;

test('glob + path: each file parsed once per statement; read_blob of the same files after it parses none', async () => {
  // Fresh copies: nothing of them is in the parser's cache yet.
  const fresh = join(dir, 'fresh');
  mkdirSync(fresh);
  for (const f of Object.keys(TEXTS)) copyFileSync(join(dir, f), join(fresh, f));
  const before = parses();
  const got = await rows(
    `SELECT parse_filename(file) AS f, DOCUMENT_TEXT(file) AS t FROM glob('${fresh}/*') ORDER BY f`,
  );
  assert.equal(
    got,
    Object.entries(TEXTS).map(([f, t]) => ({ f, t })),
  );
  assert.is(parses() - before, 3);
  const again = parses();
  const blobs = await rows(
    `SELECT parse_filename(filename) AS f, DOCUMENT_TEXT(content) AS t FROM read_blob('${fresh}/*') ORDER BY f`,
  );
  assert.equal(blobs, got);
  assert.is(parses() - again, 0);
  rmSync(fresh, { recursive: true });
});

test('a relative path is found from the folder or from the working directory; missing: the paths tried and the folders', async () => {
  const name = basename(dir);
  const was = process.cwd();
  process.chdir(root);
  const relative = await createEngine({ dataFolders: [name] });
  try {
    const got = (
      await relative.query(`SELECT file, DOCUMENT_TEXT(file) AS t FROM glob('${name}/*') ORDER BY file`)
    ).rows;
    assert.equal(
      got,
      Object.entries(TEXTS).map(([f, t]) => ({ file: `${name}/${f}`, t })),
    );
    assert.equal((await relative.query(`SELECT DOCUMENT_TEXT('c.html') AS t`)).rows, [{ t: HTML_TEXT }]);
    try {
      await relative.query(`SELECT DOCUMENT_TEXT('${name}/nope.pdf')`);
      assert.unreachable();
    } catch (err) {
      assert.is((err as RvbbitError).code, 'DOCUMENT_NOT_FOUND');
      assert.is(
        (err as RvbbitError).message,
        `DOCUMENT_TEXT: no such file: ${name}/nope.pdf (tried ${dir}/${name}/nope.pdf, ${dir}/nope.pdf; data folders: ${dir})`,
      );
    }
    // A file outside every folder, from either place, is never touched: not found inside, or refused.
    for (const [path, code, message] of [
      [
        'outside/secret.html',
        'DOCUMENT_NOT_FOUND',
        `DOCUMENT_TEXT: no such file: outside/secret.html (tried ${dir}/outside/secret.html; data folders: ${dir})`,
      ],
      [
        '../outside/secret.html',
        'DOCUMENT_OUTSIDE_FOLDERS',
        `DOCUMENT_TEXT: file ../outside/secret.html is outside the data folders (${dir})`,
      ],
    ]) {
      try {
        await relative.query(`SELECT DOCUMENT_TEXT('${path}')`);
        assert.unreachable();
      } catch (err) {
        assert.is((err as RvbbitError).code, code, path);
        assert.is((err as RvbbitError).message, message);
      }
    }
  } finally {
    await relative.close();
    process.chdir(was);
  }
});

test('a bad file among good ones: its error names it and its first bytes; TRY(DOCUMENT_TEXT(file)) skips it', async () => {
  const mixed = join(dir, 'mixed');
  mkdirSync(mixed);
  for (const f of Object.keys(TEXTS)) copyFileSync(join(dir, f), join(mixed, f));
  writeFileSync(join(mixed, 'logo.pdf'), GIF);
  const byPath = await failure(`SELECT DOCUMENT_TEXT(file) FROM glob('${mixed}/*')`);
  assert.is(byPath.code, 'DOCUMENT_UNKNOWN_FORMAT');
  assert.is(
    byPath.message,
    `DOCUMENT_TEXT: not a PDF, DOCX or HTML document (file ${mixed}/logo.pdf, which starts with "GIF89a", then binary data)`,
  );
  // The same bytes as a BLOB (read_blob's, or a literal's): named as the statement gave them.
  const asBlob = await failure(`SELECT DOCUMENT_TEXT(content) FROM read_blob('${mixed}/logo.pdf')`);
  assert.is(
    asBlob.message,
    `DOCUMENT_TEXT: not a PDF, DOCX or HTML document (a BLOB of ${GIF.length} bytes, which starts with "GIF89a", then binary data)`,
  );
  const literal = await failure(`SELECT DOCUMENT_TEXT(from_hex('${GIF.toString('hex')}'))`);
  assert.is(literal.message, asBlob.message);
  const skipped = await rows(
    `SELECT parse_filename(file) AS f, TRY(DOCUMENT_TEXT(file)) AS t FROM glob('${mixed}/*') ORDER BY f`,
  );
  assert.equal(skipped, [...Object.entries(TEXTS).map(([f, t]) => ({ f, t })), { f: 'logo.pdf', t: null }]);
  const skippedBlobs = await rows(
    `SELECT parse_filename(filename) AS f, TRY(DOCUMENT_TEXT(content)) AS t FROM read_blob('${mixed}/*') ORDER BY f`,
  );
  assert.equal(skippedBlobs, skipped);
  rmSync(mixed, { recursive: true });
});

/**
 * What a quoted start may be: binary data; up to 12 bytes of printable ASCII (\t \n \r as \xNN),
 * then "then binary data"; or 12 of them and "…" where more follow. Never a binary byte, escaped
 * or not.
 */
const QUOTED_CHAR = String.raw`(?:[ -[\]-~]|\\x0[9ad]|\\[\\"])`;
const TEXT_THEN_BINARY = new RegExp(
  `which starts with (?:binary data|"${QUOTED_CHAR}{1,12}", then binary data|"${QUOTED_CHAR}{12}…")\\)$`,
);

test('a hard link to the engine’s database in a data folder: its error quotes no binary byte of the file', async () => {
  const home = join(root, 'linked');
  const data = join(home, 'data');
  mkdirSync(data, { recursive: true });
  const db = join(home, 'x.duckdb');
  const owner = await createEngine({ database: db, dataFolders: [data], threads: 1 });
  try {
    await owner.query(`CREATE TABLE secrets AS SELECT 'hunter2' AS password`);
    await owner.query('CHECKPOINT');
    // Made after the engine started: the folder held no database file when it was checked.
    linkSync(db, join(data, 'notes.pdf'));
    for (const sql of [
      `SELECT DOCUMENT_TEXT('notes.pdf')`,
      `SELECT DOCUMENT_TEXT(content) FROM read_blob('${data}/notes.pdf')`,
    ]) {
      try {
        await owner.query(sql);
        assert.unreachable(sql);
      } catch (err) {
        const e = err as RvbbitError;
        assert.is(e.code, 'DOCUMENT_UNKNOWN_FORMAT', sql);
        assert.match(
          e.message,
          /^DOCUMENT_TEXT: not a PDF, DOCX or HTML document \((?:file notes\.pdf|a BLOB of \d+ bytes), /,
        );
        // The header: an 8-byte checksum, DuckDB's magic, its version. Quoted: the checksum's leading
        // printable bytes at most (the old quoting gave all 12 as \xNN: "\x94-\x89Z\x81n\x8f\x0fDUCK…").
        assert.match(e.message, TEXT_THEN_BINARY, e.message);
      }
    }
  } finally {
    await owner.close();
  }
});

test('what the first bytes look like: the leading text, then "binary data"; never a binary byte', async () => {
  const folder = join(dir, 'starts');
  mkdirSync(folder);
  const NOT_A_DOCUMENT = 'not a PDF, DOCX or HTML document';
  // Each file: its bytes, what its error says, what its first bytes look like.
  const files: Record<string, [Buffer, string, string]> = {
    'text-then-binary.pdf': [
      Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3', 'latin1'),
      'PDF: the file cannot be read (damaged or cut short): not in PDF format, or corrupted',
      '"%PDF-1.4\\x0a%", then binary data',
    ],
    'binary.bin': [Buffer.from('\u0000\u0001text after', 'latin1'), NOT_A_DOCUMENT, 'binary data'],
    'all-text.txt': [
      Buffer.from('just "some" text, longer than twelve bytes', 'latin1'),
      NOT_A_DOCUMENT,
      '"just \\"some\\" …"',
    ],
    'short.txt': [Buffer.from('tiny', 'latin1'), NOT_A_DOCUMENT, '"tiny"'],
  };
  for (const [name, [bytes]] of Object.entries(files)) writeFileSync(join(folder, name), bytes);
  for (const [name, [, reason, look]] of Object.entries(files)) {
    const e = await failure(`SELECT DOCUMENT_TEXT('starts/${name}')`);
    assert.is(e.message, `DOCUMENT_TEXT: ${reason} (file starts/${name}, which starts with ${look})`);
  }
  rmSync(folder, { recursive: true });
});

const GLOB_SQL = (name: string) =>
  `SELECT file, DOCUMENT_TEXT(file) AS t FROM glob('${name}/*') WHERE file NOT LIKE '%/fresh%' ORDER BY file`;

test('rvbbit query --data-dir contracts, from its parent: the documents page’s glob example as written', async () => {
  const name = basename(dir);
  const r = await rvbbit(['query', '--data-dir', name, '--format', 'json', '-c', GLOB_SQL(name)], {
    cwd: root,
    env: { RVBBIT_ENTRIES: 'source' },
  });
  assert.is(r.code, 0, r.err);
  assert.equal(
    JSON.parse(r.out),
    Object.entries(TEXTS).map(([f, t]) => ({ file: `${name}/${f}`, t })),
  );
});

test('rvbbit serve --data-dir contracts, from its parent: a client’s glob example as written', async () => {
  const name = basename(dir);
  const server = start(['serve', '--sim', '--port', '0', '--data-dir', name], {
    cwd: root,
    env: { RVBBIT_ENTRIES: 'source' },
  });
  try {
    await waitFor(server.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(server.out())![1]);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'rvbbit', database: 'rvbbit' });
    await client.connect();
    try {
      const r = await client.query(GLOB_SQL(name));
      assert.equal(
        r.rows,
        Object.entries(TEXTS).map(([f, t]) => ({ file: `${name}/${f}`, t })),
      );
    } finally {
      await client.end();
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.done;
  }
});

test.run();
