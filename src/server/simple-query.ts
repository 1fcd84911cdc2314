/**
 * The simple query protocol: one Query message, possibly several statements
 * separated by semicolons. Each statement gets its rows and CommandComplete;
 * the first error stops the rest, and one ReadyForQuery ends the exchange.
 *
 * The statements are cut without parsing (sql-pieces.ts), so a statement
 * over the size limit is refused before the grammar holds it. A message of
 * several statements is parsed first, statement by statement, so that a
 * syntax error anywhere runs nothing, as in Postgres, and each statement
 * runs from that parse (parsed-sql.ts; the first KEPT_PARSES of a long
 * message, so what the server holds stays bounded); then it runs as one
 * implicit transaction (implicit-transaction.ts).
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SIMPLE-QUERY
 */
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { RvbbitError } from '../../base/errors.js';
import { CopyInSink, parseCopyIn } from './copy-in.js';
import { copyOut, parseCopyOut } from './copy-out.js';
import { openStream, SEND_BATCH_ROWS } from './cursor-source.js';
import { Cursors } from './cursors.js';
import { BodyReader, type Frame } from './frame-reader.js';
import { ImplicitTransaction } from './implicit-transaction.js';
import * as msg from './message-writer.js';
import { type ParsedSql, parseOnce } from './parsed-sql.js';
import type { ReplyBuffer } from './reply-buffer.js';
import { failedBlockError } from './savepoints.js';
import { type SqlPiece, sqlPieces } from './sql-pieces.js';
import { errorFields } from './sqlstate.js';
import { classifyStatement, type StatementClass } from './statement-class.js';
import type { StatementExecutor } from './statement-executor.js';
import { fieldsOf } from './statement-shape.js';
import { statementTimeoutMs } from './statement-timeout.js';

/** A statement's text and where it starts in the query string (for the error position `P`). */
interface Piece {
  readonly text: string;
  readonly start: number;
}

/**
 * Catalog queries from client tools are Postgres SQL that rvbbit's grammar
 * need not understand; they are answered or rewritten further down, so a
 * grammar error in one is no reason to refuse it.
 */
const CATALOG_QUERY = /\bpg_catalog\b|\binformation_schema\b/i;

/** How long the check of a long message may hold the main thread before other clients get a turn, ms. */
const CHECK_SLICE_MS = 10;

/**
 * Answers one Query message. A COPY FROM STDIN ends it early: the sink it
 * returns takes the client's CopyData, and sends ReadyForQuery when done.
 */
export async function simpleQuery(
  frame: Frame,
  executor: StatementExecutor,
  replies: ReplyBuffer,
): Promise<CopyInSink | undefined> {
  const sql = queryText(frame, executor);
  if (sql instanceof RvbbitError) return refuse(sql, undefined, executor, replies);
  const pieces = sqlPieces(sql);
  const first = pieces.next();
  if (first.done) return refuse(undefined, undefined, executor, replies);
  const second = pieces.next();
  if (second.done) {
    // One statement: the session parses it (and reports its errors) when it runs.
    const tooLong = statementTooLong(first.value, executor);
    if (tooLong) return refuse(tooLong, first.value, executor, replies);
    return run([{ piece: first.value }], undefined, executor, replies);
  }
  const check = await checkAll(sql, executor);
  if ('error' in check) return refuse(check.error, check.piece, executor, replies);
  // A statement with model calls runs its writes in transactions of its own (write-passes.ts), so
  // such a message runs statement by statement, as a message of one statement does.
  const block = check.plain ? new ImplicitTransaction(executor) : undefined;
  return run(withParses(sql, check.kept), block, executor, replies);
}

/** The query string; an error for one over the size limit or not UTF-8 (a protocol violation throws). */
function queryText(frame: Frame, executor: StatementExecutor): string | RvbbitError {
  const limit = executor.client.limits.maxQueryBytes;
  if (frame.droppedLength !== undefined) {
    return new RvbbitError(
      'QUERY_TOO_LARGE',
      `query message of ${frame.droppedLength - 4} bytes exceeds the limit of ${limit} bytes`,
    );
  }
  try {
    return new BodyReader(frame.body).utf8cstring();
  } catch (err) {
    if (err instanceof RvbbitError && err.code === 'INVALID_UTF8') return err;
    throw err;
  }
}

/** An error for the message (or an empty one, without an error): nothing ran. */
async function refuse(
  err: unknown,
  piece: Piece | undefined,
  executor: StatementExecutor,
  replies: ReplyBuffer,
): Promise<undefined> {
  if (err !== undefined) {
    replies.send(msg.errorResponse(errorFields(err, piece)));
    executor.failBlock();
  } else replies.send(msg.emptyQueryResponse());
  replies.send(msg.readyForQuery(executor.txStatus));
  await replies.flush();
  return undefined;
}

function statementTooLong(piece: SqlPiece, executor: StatementExecutor): RvbbitError | undefined {
  const limit = executor.client.limits.maxStatementBytes;
  // Characters never outnumber bytes: the exact count is needed only near the limit.
  if (piece.text.length <= limit / 3) return undefined;
  const bytes = Buffer.byteLength(piece.text);
  if (bytes <= limit) return undefined;
  return new RvbbitError(
    'QUERY_TOO_LARGE',
    `statement of ${bytes} bytes exceeds the limit of ${limit} bytes`,
  );
}

/** A statement of the message, and its parse when the check kept one. */
interface Checked {
  readonly piece: SqlPiece;
  readonly parsed?: ParsedSql;
}

/**
 * Parses the check keeps for the run, at most: a message of more statements
 * (a script of a million INSERTs, which belongs in a COPY) has the rest parsed
 * again as they run, so the server holds a bounded number of parses, not one
 * per statement (~1.7 KB each when kept).
 *
 * 64, not more: with 1,024 kept, V8 let the garbage of every later statement's
 * check reach its old generation, which filled to ~320 MB before each full GC
 * (live ~75 MB) — the server's peak RSS grew 240–260 MB over a 9 MB Query of
 * a million statements (test/server/query-limits.test.ts bounds it at 256).
 * With 64 (or 16, or none) kept: 28–31 MB and no full GC. A message of up to
 * 64 statements is still parsed once.
 */
const KEPT_PARSES = 64;

type Check =
  | { readonly plain: boolean; readonly kept: readonly (ParsedSql | undefined)[] }
  | { readonly error: unknown; readonly piece: Piece };

/**
 * Parses every statement before any runs, keeping the first KEPT_PARSES for
 * their run (a catalog query is parsed by none), and tells whether all are
 * plain SQL; yields to other clients between slices of the work.
 */
async function checkAll(sql: string, executor: StatementExecutor): Promise<Check> {
  const kept: (ParsedSql | undefined)[] = [];
  let plain = true;
  let sliceStart = performance.now();
  for (const piece of sqlPieces(sql)) {
    const tooLong = statementTooLong(piece, executor);
    if (tooLong) return { error: tooLong, piece };
    if (CATALOG_QUERY.test(piece.text)) {
      if (kept.length < KEPT_PARSES) kept.push(undefined);
      continue;
    }
    const parsed = parseOnce(executor.client.session, piece.text);
    try {
      if (!parsed().every((s) => s.plainSql)) plain = false;
    } catch (error) {
      return { error, piece };
    }
    if (kept.length < KEPT_PARSES) kept.push(parsed);
    if (performance.now() - sliceStart > CHECK_SLICE_MS) {
      await yieldToOthers();
      sliceStart = performance.now();
    }
  }
  return { plain, kept };
}

/** Runs the statements in order until one fails; a COPY FROM STDIN (last) returns its sink. */
async function run(
  statements: Iterable<Checked>,
  block: ImplicitTransaction | undefined,
  executor: StatementExecutor,
  replies: ReplyBuffer,
): Promise<CopyInSink | undefined> {
  let failed = false;
  for (const [{ piece, parsed }, last] of withLast(statements)) {
    const cls = classifyStatement(piece.text);
    let begun: boolean;
    try {
      begun = (await block?.before(cls)) ?? false;
    } catch (err) {
      replies.send(msg.errorResponse(errorFields(err, piece)));
      failed = true;
      break;
    }
    if (begun) {
      replies.send(msg.commandComplete('BEGIN'));
      continue;
    }
    const copyIn = await startCopyIn(piece, last, block, executor, replies);
    if (copyIn === 'failed') {
      failed = true;
      break;
    }
    if (copyIn) return copyIn;
    if (!(await runPiece(piece, cls, executor, replies, parsed))) {
      failed = true;
      break;
    }
    block?.after(cls);
  }
  try {
    await block?.end(!failed);
  } catch (err) {
    // The commit itself failed (a conflict): nothing of the message stays.
    replies.send(msg.errorResponse(errorFields(err)));
  }
  replies.send(msg.readyForQuery(executor.txStatus));
  await replies.flush();
  return undefined;
}

/** The message's statements, cut again, each with the parse the check kept of it. */
function* withParses(sql: string, kept: readonly (ParsedSql | undefined)[]): Generator<Checked> {
  let i = 0;
  for (const piece of sqlPieces(sql)) {
    const parsed = kept[i++];
    yield parsed ? { piece, parsed } : { piece };
  }
}

/** Each item with whether it is the last, reading one ahead. */
function* withLast<T>(items: Iterable<T>): Generator<[T, boolean]> {
  const it = items[Symbol.iterator]();
  let current = it.next();
  while (!current.done) {
    const next = it.next();
    yield [current.value, next.done === true];
    current = next;
  }
}

/**
 * A query's rows sent as they come (cursor-source.ts): a MAP's as it answers
 * them, plain SQL's as DuckDB's streaming result gives them. A batch is read
 * only once the one before it was taken by the socket (flush waits for it to
 * drain), so a client that does not read stops the MAP at its small window
 * of rows in flight, and DuckDB at its chunk, instead of the server holding
 * the whole result (`SELECT * FROM range(10000000)` over psql). An error
 * after some rows went out is an ErrorResponse after those DataRows, as
 * Postgres sends it. False: no query openStream streams (semantic SQL, a
 * statement of the pg catalog, a command), or in a failed block, where it
 * fails as any statement does: it runs whole.
 */
async function streamedQuery(
  piece: Piece,
  cls: StatementClass,
  executor: StatementExecutor,
  replies: ReplyBuffer,
  parsed: ParsedSql | undefined,
): Promise<boolean> {
  // Cursor statements and readers of pg_cursors are the cursors' (executor.run writes the view first).
  if (!cls.query || executor.txStatus === 'E' || Cursors.handles(piece.text, cls)) return false;
  const { session, settings, params, log, pid, limits } = executor.client;
  await executor.cursors.beforeStatement(false);
  // statement_timeout spans the whole statement, every batch's read and send (57014, as a run).
  const timeoutMs = statementTimeoutMs(settings, limits.statementTimeoutMs);
  const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  const timed = <T>(read: (signal: AbortSignal) => Promise<T>) =>
    executor
      .guard((signal) => read(timeout ? AbortSignal.any([signal, timeout]) : signal))
      .catch((err: unknown) => {
        if (timeout?.aborted)
          throw new RvbbitError('CANCELLED', 'canceling statement due to statement timeout');
        throw err;
      });
  const source = await timed((signal) =>
    openStream(session, piece.text, undefined, settings, params, parsed, signal, executor.noticeHooks()),
  );
  if (!source) return false;
  log?.(`[${pid}] ${piece.text}`);
  let sent = 0;
  try {
    replies.send(msg.rowDescription(fieldsOf({ columns: source.columns, rows: [] }, [])));
    while (!source.done) {
      // What is ready now, up to a batch: a MAP's first rows are not held back to fill one.
      const rows = await timed((signal) => source.fetch(SEND_BATCH_ROWS, signal, 1));
      sent += rows.length;
      await executor.sendRows({ columns: source.columns, rows }, [], 0, 0);
      // Each batch goes out as it comes (a MAP's rows come slowly), and waits until the socket takes it.
      await replies.flush();
    }
  } finally {
    await source.close();
  }
  replies.send(msg.commandComplete(`SELECT ${sent}`));
  await replies.flushIfLarge();
  return true;
}

/** Runs one statement and queues its reply; false when it failed (the rest of the query is skipped). */
async function runPiece(
  piece: Piece,
  cls: StatementClass,
  executor: StatementExecutor,
  replies: ReplyBuffer,
  parsed: ParsedSql | undefined,
): Promise<boolean> {
  try {
    const copy = parseCopyOut(piece.text);
    if (copy) {
      if (executor.txStatus === 'E') throw failedBlockError();
      replies.send(msg.commandComplete(`COPY ${await copyOut(copy, executor, replies)}`));
      return true;
    }
    if (await streamedQuery(piece, cls, executor, replies, parsed)) return true;
    const { result, completion } = await executor.run(piece.text, undefined, cls, parsed);
    if (completion.rows) {
      replies.send(msg.rowDescription(fieldsOf(result, [])));
      await executor.sendRows(result, [], 0, 0);
    }
    replies.send(msg.commandComplete(completion.tag));
    await replies.flushIfLarge();
    return true;
  } catch (err) {
    executor.failBlock();
    replies.send(msg.errorResponse(errorFields(err, piece)));
    return false;
  }
}

/** A COPY FROM STDIN piece: its sink after CopyInResponse, 'failed' after an error, undefined for other SQL. */
async function startCopyIn(
  piece: Piece,
  last: boolean,
  block: ImplicitTransaction | undefined,
  executor: StatementExecutor,
  replies: ReplyBuffer,
): Promise<CopyInSink | 'failed' | undefined> {
  try {
    const copy = parseCopyIn(piece.text);
    if (!copy) return undefined;
    if (!last) {
      throw new RvbbitError('UNSUPPORTED_MESSAGE', 'COPY FROM STDIN must be the last statement of its query');
    }
    if (executor.txStatus === 'E') throw failedBlockError();
    // The statements before it are in the implicit block: the COPY commits them with its rows.
    const sink = await CopyInSink.start(copy, executor, block?.handOver() ?? false);
    replies.send(msg.copyInResponse(sink.columnCount, sink.format));
    await replies.flush();
    return sink;
  } catch (err) {
    executor.failBlock();
    replies.send(msg.errorResponse(errorFields(err, piece)));
    return 'failed';
  }
}
