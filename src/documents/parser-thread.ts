/**
 * The document parser's thread (workers/document-thread.ts) and the two ways
 * the main thread talks to it: `post`, awaited on the "ahead" port while the
 * main thread serves others (ahead of a statement, between the passes of a
 * documents pass), and `run`, which blocks on a shared flag inside a DuckDB
 * call (the synckit technique, as statements/semantic/calls/sync-runner.ts). Both
 * end the thread past the parse deadline; the thread's heap is capped, and a
 * thread that goes silent (out of memory, most likely) is ended too. The next
 * request starts a fresh thread. What is parsed and kept: document-parser.ts.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { startEntryWorker } from '../runtime/entry-worker.js';
import { DocumentError, type DocumentErrorData } from './document-error.js';
import type { Outcome } from './document-pass.js';
import type { AheadNotice, DocumentReply, DocumentRequest } from './document-protocol.js';

export const DEFAULT_PARSE_DEADLINE_MS = 60_000;
export const DEFAULT_PARSER_HEAP_MB = 512;
/** No heartbeat for this long: the thread died (out of memory, most likely). Its boot counts too. */
const SILENCE_MS = 10_000;

interface Thread {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly flag: Int32Array;
}

/** What an awaited request ends with besides its reply: the deadline passed, the thread stopped or ran out of memory. */
export type PostFailure = 'deadline' | 'stopped' | 'out-of-memory';

export class ParserThread {
  private thread: Thread | undefined;
  private nextId = 1;
  private ahead:
    | {
        port: MessagePort;
        waiting: Map<number, (r: DocumentReply) => void>;
        hashed: Map<number, (sha256: string) => void>;
        started: Map<number, () => void>;
      }
    | undefined;

  constructor(
    /** The thread's heap cap. */
    readonly heapMb: number,
    /** How long one parse may take. */
    readonly deadlineMs: number,
  ) {}

  close(): void {
    void this.thread?.worker.terminate();
    this.thread = undefined;
    if (this.ahead) for (const settle of this.ahead.waiting.values()) settle({ id: 0, error: STOPPED });
    this.ahead = undefined;
  }

  /**
   * One request on the ahead port, awaited: its reply, or past the deadline
   * (the thread ended), or the thread stopped; `signal` (the statement's
   * cancel or timeout) ends the thread at once: 'cancelled'.
   */
  post(
    request: DocumentRequest,
    signal?: AbortSignal,
    onHash?: (sha256: string) => void,
  ): Promise<DocumentReply | PostFailure | 'cancelled'> {
    if (signal?.aborted) return Promise.resolve('cancelled');
    this.thread ??= this.start();
    const ahead = this.ahead!;
    const id = this.nextId++;
    return new Promise((resolve) => {
      const end = (failure: PostFailure | 'cancelled') => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', cancel);
        ahead.waiting.delete(id);
        ahead.hashed.delete(id);
        ahead.started.delete(id);
        resolve(failure);
        this.close();
      };
      // Past the deadline the thread is ended, as a blocking parse's is. It runs from the parse's start: a
      // thread still booting (seconds from source on a loaded machine) has SILENCE_MS more.
      let timer = setTimeout(() => end('deadline'), this.deadlineMs + SILENCE_MS);
      ahead.started.set(id, () => {
        clearTimeout(timer);
        timer = setTimeout(() => end('deadline'), this.deadlineMs);
      });
      // A parse cannot be stopped from outside but by ending its thread: a cancel does that.
      const cancel = () => end('cancelled');
      signal?.addEventListener('abort', cancel, { once: true });
      // Not unref'd: while a reply is awaited, its timer keeps the process alive (the thread and ports are unref'd).
      if (onHash) ahead.hashed.set(id, onHash);
      ahead.waiting.set(id, (reply) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', cancel);
        ahead.hashed.delete(id);
        ahead.started.delete(id);
        if (reply.id !== 0) resolve(reply);
        else resolve('error' in reply && reply.error === OUT_OF_MEMORY ? 'out-of-memory' : 'stopped');
      });
      ahead.port.postMessage({ ...request, id });
    });
  }

  private start(): Thread {
    const { port1, port2 } = new MessageChannel();
    const aheadChannel = new MessageChannel();
    const waiting = new Map<number, (r: DocumentReply) => void>();
    const hashed = new Map<number, (sha256: string) => void>();
    const started = new Map<number, () => void>();
    aheadChannel.port1.on('message', (reply: DocumentReply | AheadNotice) => {
      if ('started' in reply) {
        started.get(reply.id)?.();
        return;
      }
      if ('hashed' in reply) {
        hashed.get(reply.id)?.(reply.hashed);
        return;
      }
      waiting.get(reply.id)?.(reply);
      waiting.delete(reply.id);
    });
    aheadChannel.port1.unref();
    this.ahead = { port: aheadChannel.port1, waiting, hashed, started };
    // [0] reply ready, [1] heartbeat.
    const shared = new SharedArrayBuffer(8);
    const { worker } = startEntryWorker('workers/document-thread.ts', {
      workerData: { port: port2, aheadPort: aheadChannel.port2, flag: shared },
      transferList: [port2, aheadChannel.port2],
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
    });
    let outOfMemory = false;
    worker.on('error', (err) => {
      // Seen as silence by a main thread waiting in a call; the next parse starts a new thread.
      outOfMemory ||= (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
    });
    worker.on('exit', () => {
      const stopped = outOfMemory ? OUT_OF_MEMORY : STOPPED;
      for (const settle of waiting.values()) settle({ id: 0, error: stopped });
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
  run(request: DocumentRequest): Outcome {
    this.thread ??= this.start();
    const { port, flag } = this.thread;
    const id = this.nextId++;
    Atomics.store(flag, 0, 0);
    port.postMessage({ ...request, id });
    const deadline = this.deadlineMs;
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
        throw heapError(this.heapMb);
      }
      if (now - started > deadline) {
        this.close();
        throw deadlineError(deadline);
      }
    }
  }
}

export const STOPPED: DocumentErrorData = {
  code: 'DOCUMENT_PARSE_LIMIT',
  message: 'the document parser stopped',
};
const OUT_OF_MEMORY: DocumentErrorData = {
  code: 'DOCUMENT_PARSE_LIMIT',
  message: 'the document parser ran out of memory',
};

export function heapError(heapMb: number): DocumentError {
  return new DocumentError(
    'DOCUMENT_PARSE_LIMIT',
    `the document parser stopped while reading this document: it needs more than the parser thread's ${heapMb} MB of memory, or is built to exhaust it`,
    { heapMb },
  );
}

export function deadlineError(deadlineMs: number): DocumentError {
  return new DocumentError(
    'DOCUMENT_PARSE_LIMIT',
    `the document took longer than ${deadlineMs} ms to parse (engine option documentParseDeadlineMs)`,
    { deadlineMs },
  );
}
