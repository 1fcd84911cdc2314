/**
 * Parses documents for the DuckDB functions, which run synchronously on the
 * main thread: the parse itself runs on a dedicated thread
 * (workers/document-thread.ts) while the main thread waits on a shared flag
 * (the synckit technique, as statements/semantic/sync-runner.ts). Why
 * blocking, and its bounds: see docs/documents.md ("How parsing runs").
 *
 * - A document is at most `maxBytes` (refused before any parse);
 * - a parse gets `deadlineMs`; past it the thread is ended (DOCUMENT_PARSE_LIMIT);
 * - the thread's heap is capped (`heapMb`): a document that needs more ends
 *   the thread, and the statement gets DOCUMENT_PARSE_LIMIT; the next parse
 *   starts a fresh thread;
 * - answers are kept by content (SHA-256 of the bytes, or a file's path, size,
 *   mtime and inode) up to `cacheChars` characters, so DOCUMENT_PAGES after
 *   DOCUMENT_TEXT, or a statement's second pass, parses nothing again.
 */
import { createHash } from 'node:crypto';
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { startEntryWorker } from '../runtime/entry-worker.js';
import { DocumentError, type DocumentErrorData } from './document-error.js';
import { checkedDocumentFile, type DataFolder, documentTooLarge } from './document-files.js';
import type { DocumentReply, DocumentRequest } from './document-protocol.js';

export const DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_PARSE_DEADLINE_MS = 60_000;
const HEAP_MB = 512;
const CACHE_CHARS = 64 * 1024 * 1024;
/** No heartbeat for this long: the thread died (out of memory, most likely). Its boot counts too. */
const SILENCE_MS = 10_000;

export interface DocumentParserOptions {
  readonly folders: readonly DataFolder[];
  readonly maxBytes: number;
  readonly deadlineMs?: number;
}

interface Thread {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly flag: Int32Array;
}

export class DocumentParser {
  private thread: Thread | undefined;
  private nextId = 1;
  /** Pages, or the error as data (a bad document fails again without a second parse). */
  private readonly cache = new Map<string, Outcome>();
  private cachedChars = 0;
  private ahead: { port: MessagePort; waiting: Map<number, (r: DocumentReply) => void> } | undefined;
  /** Parses done while a statement's function waited, and ahead of statements (for tests and the bench). */
  readonly stats = { blocking: 0, ahead: 0 };

  constructor(readonly options: DocumentParserOptions) {}

  /** The pages of a document given as bytes. */
  pagesOfBytes(bytes: Uint8Array): string[] {
    if (bytes.length > this.options.maxBytes)
      throw documentTooLarge('the BLOB', bytes.length, this.options.maxBytes);
    const key = `b:${createHash('sha256').update(bytes).digest('hex')}`;
    return pagesOf(
      this.cached(key) ?? this.keep(key, this.run({ id: 0, bytes, maxBytes: this.options.maxBytes })),
    );
  }

  /** The pages of a file inside a data folder. */
  pagesOfFile(path: string): string[] {
    const file = checkedDocumentFile(path, this.options.folders, this.options.maxBytes);
    const key = `f:${file.version}`;
    return pagesOf(
      this.cached(key) ??
        this.keep(key, this.run({ id: 0, path: file.real, shown: path, maxBytes: this.options.maxBytes })),
    );
  }

  /**
   * Parses files ahead of a statement, off the main thread, so its functions
   * find them parsed: each file (a real path DuckDB listed for the statement's
   * own connection) is read and hashed by the parser thread, and kept under
   * its bytes' hash, which a BLOB of the same bytes is found by; `asPath`
   * files (a path the statement names inside a data folder) under the path's
   * key too. Stops at `maxFiles` or when the cache would be full; a file that
   * fails is kept as its error.
   */
  async parseAhead(
    files: readonly ({ readonly real: string } | { readonly asPath: string })[],
    maxFiles = 1000,
    signal?: AbortSignal,
  ): Promise<void> {
    let chars = 0;
    for (const f of files.slice(0, maxFiles)) {
      if (signal?.aborted) return;
      let pathKey: string | undefined;
      let real: string;
      if ('asPath' in f) {
        try {
          const file = checkedDocumentFile(f.asPath, this.options.folders, this.options.maxBytes);
          pathKey = `f:${file.version}`;
          real = file.real;
        } catch {
          continue;
        }
        if (this.cache.has(pathKey)) continue;
      } else real = f.real;
      const shown = 'asPath' in f ? f.asPath : f.real;
      const reply = await this.runAhead({
        id: 0,
        path: real,
        shown,
        maxBytes: this.options.maxBytes,
        hash: true,
      });
      if (reply === undefined) return;
      this.stats.ahead++;
      const outcome: Outcome = 'error' in reply ? { error: reply.error } : { pages: reply.pages };
      if (reply.sha256 !== undefined && !('error' in reply && reply.error.code === 'DOCUMENT_NOT_FOUND'))
        this.keep(`b:${reply.sha256}`, outcome);
      if (pathKey !== undefined) this.keep(pathKey, outcome);
      chars += outcomeChars(outcome);
      if (chars > CACHE_CHARS / 2) return;
    }
  }

  close(): void {
    void this.thread?.worker.terminate();
    this.thread = undefined;
    if (this.ahead) for (const settle of this.ahead.waiting.values()) settle({ id: 0, error: STOPPED });
    this.ahead = undefined;
  }

  private cached(key: string): Outcome | undefined {
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
    }
    return hit;
  }

  private keep(key: string, outcome: Outcome): Outcome {
    const chars = outcomeChars(outcome);
    if (chars > CACHE_CHARS) return outcome;
    const was = this.cache.get(key);
    if (was) this.cachedChars -= outcomeChars(was);
    this.cache.delete(key);
    this.cache.set(key, outcome);
    this.cachedChars += chars;
    for (const [k, v] of this.cache) {
      if (this.cachedChars <= CACHE_CHARS) break;
      this.cache.delete(k);
      this.cachedChars -= outcomeChars(v);
    }
    return outcome;
  }

  /** One request on the ahead port, awaited; undefined when the thread stopped. */
  private runAhead(request: DocumentRequest): Promise<DocumentReply | undefined> {
    this.thread ??= this.start();
    const ahead = this.ahead!;
    const id = this.nextId++;
    const deadline = this.options.deadlineMs ?? DEFAULT_PARSE_DEADLINE_MS;
    return new Promise((resolve) => {
      // Past the deadline the thread is ended, as a blocking parse's is.
      const timer = setTimeout(() => this.close(), deadline);
      timer.unref();
      ahead.waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply.id === 0 ? undefined : reply);
      });
      ahead.port.postMessage({ ...request, id });
    });
  }

  private start(): Thread {
    const { port1, port2 } = new MessageChannel();
    const aheadChannel = new MessageChannel();
    const waiting = new Map<number, (r: DocumentReply) => void>();
    aheadChannel.port1.on('message', (reply: DocumentReply) => {
      waiting.get(reply.id)?.(reply);
      waiting.delete(reply.id);
    });
    aheadChannel.port1.unref();
    this.ahead = { port: aheadChannel.port1, waiting };
    // [0] reply ready, [1] heartbeat.
    const shared = new SharedArrayBuffer(8);
    const { worker } = startEntryWorker('workers/document-thread.ts', {
      workerData: { port: port2, aheadPort: aheadChannel.port2, flag: shared },
      transferList: [port2, aheadChannel.port2],
      resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
    });
    worker.on('error', () => {
      // Seen as silence by the waiting main thread; the next parse starts a new thread.
    });
    worker.on('exit', () => {
      for (const settle of waiting.values()) settle({ id: 0, error: STOPPED });
      waiting.clear();
      if (this.thread?.worker === worker) {
        this.thread = undefined;
        this.ahead = undefined;
      }
    });
    worker.unref();
    port1.unref();
    return { worker, port: port1, flag: new Int32Array(shared) };
  }

  /** Posts one request and blocks until its reply (the main thread cannot await inside DuckDB's call). */
  private run(request: DocumentRequest): Outcome {
    this.thread ??= this.start();
    this.stats.blocking++;
    const { port, flag } = this.thread;
    const id = this.nextId++;
    Atomics.store(flag, 0, 0);
    port.postMessage({ ...request, id });
    const deadline = this.options.deadlineMs ?? DEFAULT_PARSE_DEADLINE_MS;
    const started = Date.now();
    let beat = Atomics.load(flag, 1);
    let beatAt = started;
    for (;;) {
      Atomics.wait(flag, 0, 0, 200);
      const msg = receiveMessageOnPort(port);
      if (msg) {
        const reply = msg.message as DocumentReply;
        if (reply.id !== id) continue;
        return 'error' in reply ? { error: reply.error } : { pages: reply.pages };
      }
      Atomics.store(flag, 0, 0);
      const now = Date.now();
      const current = Atomics.load(flag, 1);
      if (current !== beat) {
        beat = current;
        beatAt = now;
      } else if (now - beatAt > SILENCE_MS) {
        this.close();
        throw new DocumentError(
          'DOCUMENT_PARSE_LIMIT',
          `the document parser stopped while reading this document: it needs more than the parser thread's ${HEAP_MB} MB of memory, or is built to exhaust it`,
          { heapMb: HEAP_MB },
        );
      }
      if (now - started > deadline) {
        this.close();
        throw new DocumentError(
          'DOCUMENT_PARSE_LIMIT',
          `the document took longer than ${deadline} ms to parse (engine option documentParseDeadlineMs)`,
          { deadlineMs: deadline },
        );
      }
    }
  }
}

type Outcome = { readonly pages: string[] } | { readonly error: DocumentErrorData };

const STOPPED: DocumentErrorData = { code: 'DOCUMENT_PARSE_LIMIT', message: 'the document parser stopped' };

function pagesOf(outcome: Outcome): string[] {
  if ('error' in outcome) {
    const e = outcome.error;
    throw new DocumentError(e.code, e.message, e.detail);
  }
  return outcome.pages;
}

function outcomeChars(outcome: Outcome): number {
  return 'error' in outcome ? outcome.error.message.length : outcome.pages.reduce((n, p) => n + p.length, 0);
}
