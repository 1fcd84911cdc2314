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
import { DocumentError } from './document-error.js';
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
  private readonly cache = new Map<string, string[]>();
  private cachedChars = 0;

  constructor(readonly options: DocumentParserOptions) {}

  /** The pages of a document given as bytes. */
  pagesOfBytes(bytes: Uint8Array): string[] {
    if (bytes.length > this.options.maxBytes)
      throw documentTooLarge('the BLOB', bytes.length, this.options.maxBytes);
    const key = `b:${createHash('sha256').update(bytes).digest('hex')}`;
    return this.cached(key) ?? this.keep(key, this.run({ id: 0, bytes, maxBytes: this.options.maxBytes }));
  }

  /** The pages of a file inside a data folder. */
  pagesOfFile(path: string): string[] {
    const file = checkedDocumentFile(path, this.options.folders, this.options.maxBytes);
    const key = `f:${file.version}`;
    return (
      this.cached(key) ??
      this.keep(key, this.run({ id: 0, path: file.real, shown: path, maxBytes: this.options.maxBytes }))
    );
  }

  close(): void {
    void this.thread?.worker.terminate();
    this.thread = undefined;
  }

  private cached(key: string): string[] | undefined {
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
    }
    return hit;
  }

  private keep(key: string, pages: string[]): string[] {
    const chars = pages.reduce((n, p) => n + p.length, 0);
    if (chars > CACHE_CHARS) return pages;
    this.cache.set(key, pages);
    this.cachedChars += chars;
    for (const [k, v] of this.cache) {
      if (this.cachedChars <= CACHE_CHARS) break;
      this.cache.delete(k);
      this.cachedChars -= v.reduce((n, p) => n + p.length, 0);
    }
    return pages;
  }

  private start(): Thread {
    const { port1, port2 } = new MessageChannel();
    // [0] reply ready, [1] heartbeat.
    const shared = new SharedArrayBuffer(8);
    const { worker } = startEntryWorker('workers/document-thread.ts', {
      workerData: { port: port2, flag: shared },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
    });
    worker.on('error', () => {
      // Seen as silence by the waiting main thread; the next parse starts a new thread.
    });
    worker.unref();
    port1.unref();
    return { worker, port: port1, flag: new Int32Array(shared) };
  }

  /** Posts one request and blocks until its reply (the main thread cannot await inside DuckDB's call). */
  private run(request: DocumentRequest): string[] {
    this.thread ??= this.start();
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
        if ('error' in reply)
          throw new DocumentError(reply.error.code, reply.error.message, reply.error.detail);
        return reply.pages;
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
