/**
 * The simple query protocol: one Query message, possibly several statements
 * separated by semicolons. Each statement gets its rows and CommandComplete;
 * the first error stops the rest, and one ReadyForQuery ends the exchange.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SIMPLE-QUERY
 */
import { parse, type Statement } from '../../grammar/index.js';
import { RvbbitError } from '../errors.js';
import { CopyInSink, parseCopyIn } from './copy-in.js';
import { copyOut, parseCopyOut } from './copy-out.js';
import * as msg from './message-writer.js';
import type { ReplyBuffer } from './reply-buffer.js';
import { errorFields } from './sqlstate.js';
import type { StatementExecutor } from './statement-executor.js';
import { fieldsOf, isEmptyQuery } from './statement-shape.js';

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

/**
 * Answers one Query message. A COPY FROM STDIN ends it early: the sink it
 * returns takes the client's CopyData, and sends ReadyForQuery when done.
 */
export async function simpleQuery(
  sql: string,
  executor: StatementExecutor,
  replies: ReplyBuffer,
): Promise<CopyInSink | undefined> {
  // The session's grammar knows the catalog's operator words (ALIGNS …); the default one does not.
  const parsed = (executor.client.grammar?.parse ?? parse)(sql);
  if (isEmptyQuery(sql)) {
    replies.send(msg.emptyQueryResponse());
  } else if (parsed.errors.length > 0 && !CATALOG_QUERY.test(sql)) {
    const e = parsed.errors[0]!;
    const err = new RvbbitError(e.code, e.message, { offset: e.offset });
    replies.send(msg.errorResponse(errorFields(err, { text: sql, start: 0 })));
    executor.failBlock();
  } else {
    // A catalog query the grammar cannot split runs whole, as one statement.
    const pieces: Piece[] =
      parsed.errors.length > 0
        ? [{ text: sql, start: 0 }]
        : parsed.statements.map((s) => statementText(sql, s));
    if (pieces.length === 0) replies.send(msg.emptyQueryResponse());
    for (const [i, piece] of pieces.entries()) {
      const copyIn = await startCopyIn(piece, i === pieces.length - 1, executor, replies);
      if (copyIn === 'failed') break;
      if (copyIn) return copyIn;
      if (!(await runPiece(piece, executor, replies))) break;
    }
  }
  replies.send(msg.readyForQuery(executor.txStatus));
  await replies.flush();
  return undefined;
}

/**
 * A statement's text with its `-- @ key: value` annotations: its span starts
 * after them, and the session parses the text again, so cutting at the span
 * would drop `-- @ parallel: 5` and hints on their way to the engine.
 */
export function statementText(sql: string, stmt: Statement): Piece {
  const start = Math.min(stmt.span.start, ...stmt.annotations.map((a) => a.span.start));
  return { text: sql.slice(start, stmt.span.end), start };
}

/** Runs one statement and queues its reply; false when it failed (the rest of the query is skipped). */
async function runPiece(piece: Piece, executor: StatementExecutor, replies: ReplyBuffer): Promise<boolean> {
  try {
    const copy = parseCopyOut(piece.text);
    if (copy) {
      if (executor.txStatus === 'E') {
        throw new RvbbitError(
          'IN_FAILED_TRANSACTION',
          'current transaction is aborted, commands ignored until end of transaction block',
        );
      }
      replies.send(msg.commandComplete(`COPY ${await copyOut(copy, executor, replies)}`));
      return true;
    }
    const { result, completion } = await executor.run(piece.text, undefined);
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
  executor: StatementExecutor,
  replies: ReplyBuffer,
): Promise<CopyInSink | 'failed' | undefined> {
  try {
    const copy = parseCopyIn(piece.text);
    if (!copy) return undefined;
    if (!last) {
      throw new RvbbitError('UNSUPPORTED_MESSAGE', 'COPY FROM STDIN must be the last statement of its query');
    }
    if (executor.txStatus === 'E') {
      throw new RvbbitError(
        'IN_FAILED_TRANSACTION',
        'current transaction is aborted, commands ignored until end of transaction block',
      );
    }
    const sink = await CopyInSink.start(copy, executor);
    replies.send(msg.copyInResponse(sink.columnCount));
    await replies.flush();
    return sink;
  } catch (err) {
    executor.failBlock();
    replies.send(msg.errorResponse(errorFields(err, piece)));
    return 'failed';
  }
}
