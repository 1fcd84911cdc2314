/**
 * Parses documents, and cuts long texts, for the DuckDB functions, which run
 * synchronously on the main thread. The work runs on parser threads
 * (parser-thread.ts, workers/document-thread.ts): ahead of a statement and
 * between the passes of a documents pass (document-pass.ts) on a pool of them
 * (parser-pool.ts: a parse per thread, owners served in turn), which the
 * main thread awaits, serving others meanwhile; inside a DuckDB call outside
 * a pass, on a thread of its own, on which it waits on a shared
 * flag (the synckit technique, as statements/semantic/calls/sync-runner.ts), unless
 * the connection's session must not block (`mustNotBlock`, a server's), where
 * that parse is refused with DOCUMENT_PARSE_BLOCKS. Why,
 * and the bounds: see docs/documents.md ("How parsing runs").
 *
 * - A document is at most `maxBytes` (refused before any parse), inflates to
 *   at most `maxInflateBytes` and gives at most `maxBytes` characters of text
 *   (document-limits.ts);
 * - a parse gets `deadlineMs`; past it the thread is ended (DOCUMENT_PARSE_LIMIT),
 *   and the statement's cancel or timeout ends it at once;
 * - the thread's heap is capped (`heapMb`): a document that needs more ends
 *   the thread, and the statement gets DOCUMENT_PARSE_LIMIT; the next parse
 *   starts a fresh thread;
 * - answers are kept by content (SHA-256 of the bytes, or a file's path, size,
 *   mtime and inode) up to `cacheChars` characters, so DOCUMENT_PAGES after
 *   DOCUMENT_TEXT, or a statement's second pass, parses nothing again.
 */
import { createHash } from 'node:crypto';
import { RvbbitError } from '../../base/errors.js';
import { tokenSteps } from '../llm/bpe-merge.js';
import { LruCache } from '../runtime/lru-cache.js';
import { DocumentError, type DocumentErrorData } from './document-error.js';
import {
  type CheckedFile,
  checkedDocumentFile,
  type DataFolder,
  documentTooLarge,
} from './document-files.js';
import { DEFAULT_MAX_INFLATE_BYTES, type DocumentLimits } from './document-limits.js';
import {
  CALL_INLINE_STEPS,
  type CallWork,
  DocumentPass,
  INLINE_CHUNK_CHARS,
  type Outcome,
  outcomeChars,
  type PassInput,
} from './document-pass.js';
import type { DocumentReply, DocumentRequest } from './document-protocol.js';
import { aboutDocument, documentSubject } from './document-subject.js';
import { DEFAULT_PARSER_THREADS, ParserPool, type PoolReply } from './parser-pool.js';
import {
  DEFAULT_PARSE_DEADLINE_MS,
  DEFAULT_PARSER_HEAP_MB,
  deadlineError,
  heapError,
  ParserThread,
  STOPPED,
} from './parser-thread.js';
import { checkChunkArguments, textChunks } from './text-chunks.js';

export { DEFAULT_MAX_DOCUMENT_BYTES } from './document-limits.js';

const CACHE_CHARS = 64 * 1024 * 1024;
/** Files whose bytes' hash is remembered by their path key (an entry is about 250 bytes). */
const HASHES_KEPT = 10_000;

export interface DocumentParserOptions {
  readonly folders: readonly DataFolder[];
  readonly maxBytes: number;
  /** The bytes a document's compressed parts may inflate to, in all (default 64 MiB). */
  readonly maxInflateBytes?: number;
  readonly deadlineMs?: number;
  /** Each parser thread's heap cap (tests lower it to reach it with a small document). */
  readonly heapMb?: number;
  /** Parser threads for awaited parses, each one parse at a time (default 4). */
  readonly threads?: number;
}

export class DocumentParser {
  /** Pages, or the error as data (a bad document fails again without a second parse). */
  private readonly cache = new LruCache<Outcome>(Number.POSITIVE_INFINITY, CACHE_CHARS);
  /** Parses done while a statement's function waited, and ahead of statements (for tests and the bench). */
  readonly stats = { blocking: 0, ahead: 0 };
  /** Documents parsed and texts cut on the thread between a documents pass and the next. */
  readonly passed = { documents: 0, chunks: 0 };
  /** The documents pass running on each DuckDB connection (by its connection id). */
  private readonly passes = new Map<number, DocumentPass>();
  /** Connections of sessions that must not block (a server's): a parse in DuckDB's call is refused there. */
  private readonly nonBlocking = new Set<number>();

  /** Parses inside DuckDB's call (the main thread blocks on it). */
  private readonly thread: ParserThread;
  /** Awaited parses: ahead of statements, between passes. */
  readonly pool: ParserPool;
  readonly limits: DocumentLimits;
  /**
   * A parse ahead of a statement that met a limit of its thread (deadline,
   * heap): kept for that statement only (its pass gets it), so its documents
   * pass does not parse the same document for another deadline.
   */
  private readonly aheadLimits = new Map<number, Map<string, Outcome>>();
  /** A listed file's path key → its bytes' key: parsed ahead once, a file is known both ways. */
  private readonly hashOfFile = new Map<string, string>();

  constructor(readonly options: DocumentParserOptions) {
    const heapMb = options.heapMb ?? DEFAULT_PARSER_HEAP_MB;
    const deadlineMs = options.deadlineMs ?? DEFAULT_PARSE_DEADLINE_MS;
    this.thread = new ParserThread(heapMb, deadlineMs);
    this.pool = new ParserPool(options.threads ?? DEFAULT_PARSER_THREADS, heapMb, deadlineMs);
    this.limits = {
      maxBytes: options.maxBytes,
      maxInflateBytes: options.maxInflateBytes ?? DEFAULT_MAX_INFLATE_BYTES,
    };
  }

  /** Starts a statement's documents pass on a connection: its functions record what they miss. */
  openPass(connectionId: number): DocumentPass {
    const pass = new DocumentPass(connectionId);
    for (const [key, outcome] of this.aheadLimits.get(connectionId) ?? []) pass.keep(key, outcome);
    this.aheadLimits.delete(connectionId);
    this.passes.set(connectionId, pass);
    return pass;
  }

  closePass(pass: DocumentPass): void {
    if (this.passes.get(pass.connectionId) === pass) this.passes.delete(pass.connectionId);
  }

  /**
   * A session that must stay responsive (a server client's, unless started
   * with --allow-blocking-strategies) on this connection: what its statements
   * would parse inside DuckDB's call fails with DOCUMENT_PARSE_BLOCKS instead
   * (a document parsed already still answers). `false` when the session ends.
   */
  mustNotBlock(connectionId: number, on: boolean): void {
    if (on) this.nonBlocking.add(connectionId);
    else this.nonBlocking.delete(connectionId);
  }

  /** The pass running on a connection, if any (a DuckDB function's bind data names its connection). */
  passOn(connectionId: number | undefined): DocumentPass | undefined {
    return connectionId === undefined ? undefined : this.passes.get(connectionId);
  }

  /** The pages of a document given as bytes; null when a record pass recorded it. */
  pagesOfBytes(bytes: Uint8Array, pass?: DocumentPass, connectionId = pass?.connectionId): string[] | null {
    if (bytes.length > this.options.maxBytes)
      throw documentTooLarge('the BLOB', bytes.length, this.options.maxBytes);
    const key = `b:${createHash('sha256').update(bytes).digest('hex')}`;
    return this.answer(key, pass, connectionId, { kind: 'bytes', bytes }, () =>
      this.runBlocking({ id: 0, bytes, limits: this.limits }),
    );
  }

  /** The pages of a file inside a data folder; null when a record pass recorded it. */
  pagesOfFile(path: string, pass?: DocumentPass, connectionId = pass?.connectionId): string[] | null {
    const file = checkedDocumentFile(path, this.options.folders, this.options.maxBytes);
    const key = `f:${file.version}`;
    return this.answer(key, pass, connectionId, { kind: 'file', real: file.real, shown: path }, () =>
      this.runBlocking({ id: 0, path: file.real, shown: path, limits: this.limits }),
    );
  }

  /**
   * TEXT_CHUNKS: cut here when there is no pass and the connection may block;
   * else cut here when the text is short and this DuckDB call (`call`) has
   * cut little; else found cut (by the text's hash and the limits), or
   * recorded for the thread (null), or refused on a connection that must not
   * block (DOCUMENT_PARSE_BLOCKS).
   */
  chunksOf(
    text: string,
    maxTokens: number,
    overlapTokens: number,
    pass?: DocumentPass,
    connectionId = pass?.connectionId,
    call: CallWork = { inlineSteps: 0 },
  ): string[] | null {
    checkChunkArguments(maxTokens, overlapTokens);
    // The document limit bounds a text to cut too (its copy on the thread, the chunks it makes).
    const max = this.options.maxBytes;
    if (text.length > max || (text.length * 3 > max && Buffer.byteLength(text) > max))
      throw documentTooLarge('the text', Buffer.byteLength(text), max);
    const refuses = connectionId !== undefined && this.nonBlocking.has(connectionId);
    if (pass === undefined && !refuses) return textChunks(text, maxTokens, overlapTokens);
    // Short texts cut here cost less than a pass; what one call cuts here is bounded, pass or not (a macro has none).
    if (text.length <= INLINE_CHUNK_CHARS && call.inlineSteps < CALL_INLINE_STEPS) {
      const before = tokenSteps();
      try {
        return textChunks(text, maxTokens, overlapTokens);
      } finally {
        call.inlineSteps += tokenSteps() - before;
      }
    }
    const key = `c:${maxTokens}:${overlapTokens}:${createHash('sha256').update(text).digest('hex')}`;
    return this.answer(key, pass, connectionId, { kind: 'chunks', text, maxTokens, overlapTokens }, () => ({
      pages: textChunks(text, maxTokens, overlapTokens),
    }));
  }

  /**
   * Parses (cuts) what a record pass recorded, on the thread, one at a time
   * while the main thread serves others, and keeps the answers for the
   * statement; false when the statement's answers are full (its next pass
   * then parses the rest in the call).
   */
  async resolvePass(pass: DocumentPass, signal?: AbortSignal): Promise<boolean> {
    for (const [key, input] of pass.recorded) {
      if (signal?.aborted) throw cancelled();
      const { outcome, limitOfThread } = await this.offThread(pass.connectionId, input, signal);
      if (input.kind === 'chunks') this.passed.chunks++;
      else this.passed.documents++;
      // A deadline or the heap is this parse's fate, not the document's answer: the engine does not keep it.
      if (!limitOfThread) this.keep(key, outcome);
      if (!pass.keep(key, outcome)) return false;
    }
    return true;
  }

  /**
   * Parses files ahead of a statement, off the main thread, so its functions
   * find them parsed: each file (a real path DuckDB listed for the statement's
   * own connection) is read and hashed by the parser thread, and kept under
   * its bytes' hash, which a BLOB of the same bytes is found by; `asPath`
   * files (a path the statement names inside a data folder) under the path's
   * key too. Stops at `maxFiles` or when the cache would be full; a file that
   * fails is kept as its error. A parse that meets its thread's deadline or
   * heap ends the parsing ahead, and its error is kept for the statement
   * (`connectionId`'s next pass), which then fails with it without parsing
   * the document again; a cancel ends it with CANCELLED.
   */
  async parseAhead(
    connectionId: number,
    files: readonly ({ readonly real: string } | { readonly asPath: string })[],
    maxFiles = 1000,
    signal?: AbortSignal,
  ): Promise<void> {
    this.aheadLimits.delete(connectionId);
    let chars = 0;
    for (const f of files.slice(0, maxFiles)) {
      if (signal?.aborted) throw cancelled();
      const named = 'asPath' in f ? f.asPath : f.real;
      // The file as DOCUMENT_TEXT('path') would find it: a listed file inside a data folder is kept under
      // its path's key too, so the glob + path pattern finds it parsed (issue 69: it was parsed twice).
      let file: CheckedFile | undefined;
      try {
        file = checkedDocumentFile(named, this.options.folders, this.options.maxBytes);
      } catch {
        // Outside the folders (a CLI's read_blob may read anywhere), missing: listed files are still read.
        if ('asPath' in f) continue;
      }
      const pathKey = file === undefined ? undefined : `f:${file.version}`;
      const real = file?.real ?? named;
      if (pathKey !== undefined && this.cache.has(pathKey)) {
        // Parsed already: by its path, and (a listed file) by its bytes too.
        const hashKey = this.hashOfFile.get(pathKey);
        if ('asPath' in f || (hashKey !== undefined && this.cache.has(hashKey))) continue;
      }
      const shown = named;
      let sha256: string | undefined;
      const reply = await this.pool.parse(
        connectionId,
        { id: 0, path: real, shown, limits: this.limits, hash: true },
        signal,
        (hash) => {
          sha256 = hash;
        },
      );
      if (reply === 'cancelled') throw cancelled();
      if (typeof reply === 'string') {
        // The statement meets the file by its path, or as the BLOB read_blob gives (by its bytes' hash,
        // which the thread said before it parsed): either way it fails with this, parsing nothing again.
        const limit = this.threadFailure(reply);
        const pinned = this.aheadLimitFor(connectionId);
        if (sha256 !== undefined) pinned.set(`b:${sha256}`, limit);
        if (pathKey !== undefined) pinned.set(pathKey, limit);
        return;
      }
      this.stats.ahead++;
      const outcome: Outcome = 'error' in reply ? { error: reply.error } : { pages: reply.pages };
      if (reply.sha256 !== undefined && !('error' in reply && reply.error.code === 'DOCUMENT_NOT_FOUND'))
        this.keep(`b:${reply.sha256}`, outcome);
      if (pathKey !== undefined) {
        this.keep(pathKey, outcome);
        if (reply.sha256 !== undefined) this.rememberHash(pathKey, `b:${reply.sha256}`);
      }
      chars += outcomeChars(outcome);
      if (chars > CACHE_CHARS / 2) return;
    }
  }

  /** A file version's bytes' key, remembered for at most HASHES_KEPT files (the oldest forgotten first). */
  private rememberHash(pathKey: string, hashKey: string): void {
    this.hashOfFile.delete(pathKey);
    this.hashOfFile.set(pathKey, hashKey);
    if (this.hashOfFile.size > HASHES_KEPT) this.hashOfFile.delete(this.hashOfFile.keys().next().value!);
  }

  private aheadLimitFor(connectionId: number): Map<string, Outcome> {
    const kept = this.aheadLimits.get(connectionId);
    if (kept) return kept;
    const made = new Map<string, Outcome>();
    this.aheadLimits.set(connectionId, made);
    return made;
  }

  /** What a parse that its thread's limit ended answers. */
  private threadFailure(reply: Exclude<PoolReply, DocumentReply | 'cancelled'>): Outcome {
    if (reply === 'deadline') return { error: deadlineError(this.thread.deadlineMs).data() };
    if (reply === 'out-of-memory') return { error: heapError(this.thread.heapMb).data() };
    return { error: STOPPED };
  }

  /**
   * One recorded input parsed (cut) on a pool thread, awaited, in the
   * owner's turn; a thread that stopped under it is tried once more; a
   * cancel (the statement's signal) ends it with CANCELLED.
   */
  private async offThread(
    owner: number,
    input: PassInput,
    signal: AbortSignal | undefined,
  ): Promise<{ outcome: Outcome; limitOfThread: boolean }> {
    const limits = this.limits;
    const request: DocumentRequest =
      input.kind === 'bytes'
        ? { id: 0, bytes: input.bytes, limits }
        : input.kind === 'file'
          ? { id: 0, path: input.real, shown: input.shown, limits }
          : {
              id: 0,
              limits,
              chunks: { text: input.text, maxTokens: input.maxTokens, overlapTokens: input.overlapTokens },
            };
    for (let attempt = 1; ; attempt++) {
      const reply = await this.pool.parse(owner, request, signal);
      if (reply === 'cancelled') throw cancelled();
      // Stopped by the engine closing, or the thread's exit: tried once more.
      if (reply === 'stopped' && attempt < 2) continue;
      if (typeof reply === 'string') return { outcome: this.threadFailure(reply), limitOfThread: true };
      return {
        outcome: 'error' in reply ? { error: reply.error } : { pages: reply.pages },
        limitOfThread: false,
      };
    }
  }

  /**
   * What a function answers: the pass's or the engine's kept outcome, else
   * recorded (null), or parsed in the call, or on a connection that must not
   * block, refused (DOCUMENT_PARSE_BLOCKS).
   */
  private answer(
    key: string,
    pass: DocumentPass | undefined,
    connectionId: number | undefined,
    input: PassInput,
    parseHere: () => Outcome,
  ): string[] | null {
    const hit = pass?.answers.get(key) ?? this.cached(key);
    if (pass?.mode === 'record') {
      if (hit === undefined) {
        pass.record(key, input);
        return null;
      }
      // A kept error fails the statement only in a pass that answered every row before it: the row the
      // statement meets it at is the one it failed at when parsed in the call.
      if ('error' in hit && pass.missed > 0) {
        pass.missed++;
        return null;
      }
    }
    if (hit !== undefined) return pagesOf(hit, input);
    if (connectionId !== undefined && this.nonBlocking.has(connectionId)) throw parseBlocks(input);
    return pagesOf(this.keep(key, parseHere()), input);
  }

  close(): void {
    this.thread.close();
    this.pool.close();
  }

  private cached(key: string): Outcome | undefined {
    return this.cache.get(key);
  }

  /** `outcome`, kept under `key` unless it alone is past the cache's characters. */
  private keep(key: string, outcome: Outcome): Outcome {
    this.cache.set(key, outcome, outcomeChars(outcome));
    return outcome;
  }

  /** One parse inside DuckDB's call: blocks the main thread until the thread answers (counted for tests and the bench). */
  private runBlocking(request: DocumentRequest): Outcome {
    this.stats.blocking++;
    try {
      return this.thread.run(request);
    } catch (err) {
      // The thread's deadline or heap: an answer as data, named where the statement meets it (pagesOf).
      if (err instanceof DocumentError) return { error: err.data() };
      throw err;
    }
  }
}

function cancelled(): RvbbitError {
  return new RvbbitError('CANCELLED', 'statement cancelled');
}

/** The pages, or the error thrown naming the input as the statement gave it (the file, the BLOB). */
function pagesOf(outcome: Outcome, input: PassInput): string[] {
  if ('error' in outcome) {
    const e =
      input.kind === 'chunks'
        ? outcome.error
        : aboutDocument(outcome.error, subjectOfInput(input, outcome.error));
    throw new DocumentError(e.code, e.message, e.detail);
  }
  return outcome.pages;
}

/** `file a.pdf, which starts with "%PDF-1.7…"` or `a BLOB of 43 bytes, which starts with "GIF89a…"`. */
function subjectOfInput(input: Exclude<PassInput, { kind: 'chunks' }>, error: DocumentErrorData): string {
  const starts = typeof error.detail?.starts === 'string' ? error.detail.starts : undefined;
  return input.kind === 'file'
    ? documentSubject(input.shown, undefined, starts)
    : documentSubject(undefined, input.bytes, starts);
}

function parseBlocks(input: PassInput): RvbbitError {
  const what =
    input.kind === 'chunks'
      ? `cutting this text (${input.text.length} characters)`
      : input.kind === 'file'
        ? `parsing ${input.shown}`
        : `parsing this document (a BLOB of ${input.bytes.length} bytes)`;
  return new RvbbitError(
    'DOCUMENT_PARSE_BLOCKS',
    `${what} would run inside DuckDB's call here (a write inside an open transaction, a view or macro that calls the function, which the statement's text does not name, or a query an operator statement runs outside its record passes), and while it runs this server answers no other client; run the write outside the transaction, or parse the documents into a table first in a statement of their own (CREATE TABLE pages AS SELECT filename, DOCUMENT_PAGES(content) AS pages FROM read_blob('…')), or start the server with --allow-blocking-strategies`,
    { kind: input.kind },
  );
}
