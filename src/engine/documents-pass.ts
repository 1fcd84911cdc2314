/**
 * The documents pass of a plain SQL statement that calls DOCUMENT_TEXT,
 * DOCUMENT_PAGES or TEXT_CHUNKS, as the operators' record passes
 * (statements/semantic/run/run-semantic.ts): the statement runs with the
 * functions recording what is not parsed (cut) yet and answering NULL, the
 * recorded inputs are parsed on the parser thread while the main thread
 * serves others, and the statement runs again, until a pass records nothing;
 * that pass ran with every real answer, and is the statement's result. So a
 * document only a column names (a table of BLOBs, a column of paths) or a
 * long text to chunk never holds the main thread for its parse, and rows,
 * order and errors are those of the statement run once.
 *
 * A statement with effects (CREATE TABLE … AS, INSERT, UPDATE, COPY … TO)
 * runs each pass in a transaction of its own, rolled back when it recorded
 * something, committed when it did not (as statements/semantic/run/write-passes.ts;
 * a COPY TO file is written again by the last pass). Inside the client's own
 * transaction none can be opened (DuckDB has no savepoints): such a statement
 * parses in the call, as before passes, bounded by the parse deadline; a
 * session that must not block (a server's) refuses that parse
 * (DOCUMENT_PARSE_BLOCKS, documents/document-parser.ts).
 */
import { type DuckDBConnection, StatementType } from '@duckdb/node-api';
import type { ConnectionQueue } from '../db/connection-queue.js';
import type { DocumentParser } from '../documents/document-parser.js';
import { type DocumentPass, MAX_PASSES } from '../documents/document-pass.js';
import type { PassDocuments } from '../statements/semantic/run/semantic-run.js';

const NAMES_A_PASSED_FUNCTION = /\b(?:document_(?:text|pages)|text_chunks)\s*\(/i;

/** The parser and the session's connection, lent to a statement's run. */
export interface StatementDocuments {
  readonly parser: DocumentParser;
  readonly connectionId: number;
}

/** How a statement's passes run: a query as it is; a write in a transaction; else in the call. */
type PassHow = 'query' | 'transaction' | 'in-call';

/**
 * The statement's documents passes, or undefined when it names none of the
 * functions (it runs as it is). `close` when the statement ends.
 */
export async function openDocumentPasses(
  docs: StatementDocuments | undefined,
  sql: string,
  q: ConnectionQueue,
  signal?: AbortSignal,
): Promise<DocumentPasses | undefined> {
  if (docs === undefined || !NAMES_A_PASSED_FUNCTION.test(sql)) return undefined;
  // Open before the statement is prepared: DuckDB may fold a call on constants while it plans.
  const pass = docs.parser.openPass(docs.connectionId);
  try {
    const how = await passHow(q, sql);
    if (how === 'in-call') pass.mode = 'in-call';
    return new DocumentPasses(docs.parser, pass, how, q, signal);
  } catch (err) {
    docs.parser.closePass(pass);
    throw err;
  }
}

export class DocumentPasses {
  constructor(
    private readonly parser: DocumentParser,
    private readonly pass: DocumentPass,
    private readonly how: PassHow,
    private readonly q: ConnectionQueue,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Runs `runPass` until a pass records nothing and returns that pass's
   * outcome. `keepLast` false: the last pass of a write is rolled back too
   * (a stream runs the statement once more itself, after the passes).
   */
  async run<T>(runPass: () => Promise<T>, keepLast = true): Promise<T> {
    const transaction = this.how === 'transaction';
    const end = (how: 'COMMIT' | 'ROLLBACK') => this.q.run((con) => con.run(how));
    for (let n = 1; ; n++) {
      this.pass.startPass();
      if (transaction) await this.q.run((con) => con.run('BEGIN TRANSACTION'));
      let out: T;
      try {
        out = await runPass();
      } catch (err) {
        if (transaction) await end('ROLLBACK').catch(() => undefined);
        throw err;
      }
      const answered = this.pass.missed === 0;
      if (transaction) await end(answered && keepLast ? 'COMMIT' : 'ROLLBACK');
      if (answered) return out;
      const allKept = await this.parser.resolvePass(this.pass, this.signal);
      // The statement's answers are full, or passes keep meeting new inputs: the rest in the call.
      if (!allKept || n >= MAX_PASSES) this.pass.mode = 'in-call';
    }
  }

  /** After the passes, a stream's own run: anything still missing is parsed in the call. */
  inCall(): void {
    this.pass.mode = 'in-call';
  }

  close(): void {
    this.parser.closePass(this.pass);
  }
}

/**
 * A semantic statement's documents pass: its record passes record documents
 * (statements/semantic/run/batch-passes.ts), its other queries parse in the call
 * (or, in a session that must not block, are refused).
 */
export function semanticDocuments(
  docs: StatementDocuments | undefined,
): (PassDocuments & { close(): void }) | undefined {
  if (docs === undefined) return undefined;
  const { parser } = docs;
  const pass = parser.openPass(docs.connectionId);
  pass.mode = 'in-call';
  let resolved = 0;
  let recording = true;
  return {
    record() {
      pass.startPass();
      if (recording) pass.mode = 'record';
    },
    missed: () => pass.mode === 'record' && pass.missed > 0,
    stop() {
      pass.mode = 'in-call';
    },
    async resolve(signal) {
      const allKept = await parser.resolvePass(pass, signal);
      // The statement's answers are full, or passes keep meeting new inputs: the rest in the call.
      if (!allKept || ++resolved >= MAX_PASSES) recording = false;
    },
    close: () => parser.closePass(pass),
  };
}

async function passHow(q: ConnectionQueue, sql: string): Promise<PassHow> {
  const type = await q.run((con) => statementType(con, sql));
  // Unpreparable: the statement's own run fails with DuckDB's message.
  if (type === undefined || type === StatementType.SELECT) return 'query';
  // Loaded only for a write, as the operators' statements are (plain SQL does not load them).
  const { inExplicitTransaction } = await import('../statements/semantic/run/write-passes.js');
  return (await inExplicitTransaction(q)) ? 'in-call' : 'transaction';
}

async function statementType(con: DuckDBConnection, sql: string): Promise<StatementType | undefined> {
  try {
    const prepared = await con.prepare(sql);
    try {
      return prepared.statementType;
    } finally {
      prepared.destroySync();
    }
  } catch {
    return undefined;
  }
}
