/**
 * The parser threads that awaited parses run on (ahead of a statement,
 * between the passes of a documents pass): up to `size` threads, each
 * running one parse at a time, so one client's slow document holds one
 * thread, not every client's parse. Parses wait their turn per owner (a
 * DuckDB connection: one session's statements): when a thread frees, the
 * waiting owner served least recently gets it, so a client with many
 * documents queued takes turns with one that has one.
 *
 * A parse ends its thread (the thread's memory, heap and buffers, goes
 * with it; the next parse there starts a fresh one) when its statement is
 * cancelled or times out (the abort signal), at its deadline, when it runs
 * out of its heap, and after it failed at a bound (DOCUMENT_TOO_LARGE),
 * since what it built up to the bound is garbage a live thread keeps its
 * pages for. A parse still waiting for a thread when its statement is
 * cancelled leaves the queue. A thread idle for `idleMs` is ended too: what a
 * large document left in its heap is returned, not kept for the next parse.
 */
import type { DocumentReply, DocumentRequest } from './document-protocol.js';
import { ParserThread, type PostFailure } from './parser-thread.js';

export const DEFAULT_PARSER_THREADS = 4;
/** A parser thread idle this long is ended (the next parse starts a fresh one, ~0.1 s built). */
export const DEFAULT_PARSER_IDLE_MS = 30_000;

export type PoolReply = DocumentReply | PostFailure | 'cancelled';

interface Job {
  readonly request: DocumentRequest;
  readonly signal: AbortSignal | undefined;
  readonly onHash: ((sha256: string) => void) | undefined;
  readonly settle: (reply: PoolReply) => void;
}

export class ParserPool {
  private readonly threads: ParserThread[] = [];
  private readonly busy = new Set<ParserThread>();
  /** Waiting parses by owner. */
  private readonly waiting = new Map<number, Job[]>();
  /** When each owner with parses waiting or running was last served (a count of dispatches). */
  private readonly served = new Map<number, number>();
  /** Parses running per owner. */
  private readonly running = new Map<number, number>();
  private dispatches = 0;
  /** Closed with its engine: a parse asked after that is 'stopped', and starts no thread. */
  private closed = false;
  /** For tests and the bench: parses run, threads ended under a parse (cancel, deadline, heap, a bound). */
  readonly stats = { parsed: 0, ended: 0, mostAtOnce: 0 };

  /** Each idle thread's timer to end it. */
  private readonly idleTimers = new Map<ParserThread, NodeJS.Timeout>();

  constructor(
    readonly size: number,
    private readonly heapMb: number,
    private readonly deadlineMs: number,
    private readonly idleMs = DEFAULT_PARSER_IDLE_MS,
  ) {}

  /** One parse for `owner`, when a thread is free and it is the owner's turn (`onHash`: the bytes' hash, before the parse). */
  parse(
    owner: number,
    request: DocumentRequest,
    signal?: AbortSignal,
    onHash?: (sha256: string) => void,
  ): Promise<PoolReply> {
    if (signal?.aborted) return Promise.resolve('cancelled');
    if (this.closed) return Promise.resolve('stopped');
    return new Promise((resolve) => {
      const job: Job = {
        request,
        signal,
        onHash,
        settle: (reply) => {
          signal?.removeEventListener('abort', leave);
          resolve(reply);
        },
      };
      // Cancelled while it waits: it leaves the queue.
      const leave = () => {
        const jobs = this.waiting.get(owner);
        const at = jobs?.indexOf(job) ?? -1;
        if (at < 0) return;
        jobs!.splice(at, 1);
        if (jobs!.length === 0) this.waiting.delete(owner);
        job.settle('cancelled');
      };
      signal?.addEventListener('abort', leave, { once: true });
      const jobs = this.waiting.get(owner);
      if (jobs) jobs.push(job);
      else this.waiting.set(owner, [job]);
      this.dispatch();
    });
  }

  close(): void {
    this.closed = true;
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    for (const t of this.threads) t.close();
    for (const jobs of this.waiting.values()) for (const j of jobs) j.settle('stopped');
    this.waiting.clear();
  }

  private dispatch(): void {
    while (this.waiting.size > 0) {
      const thread = this.freeThread();
      if (thread === undefined) return;
      // The waiting owner served least recently (one never served first; ties in the order they came).
      let owner: number | undefined;
      let when = Number.POSITIVE_INFINITY;
      for (const o of this.waiting.keys()) {
        const w = this.served.get(o) ?? -1;
        if (w < when) [owner, when] = [o, w];
      }
      const jobs = this.waiting.get(owner!)!;
      const job = jobs.shift()!;
      if (jobs.length === 0) this.waiting.delete(owner!);
      this.served.set(owner!, this.dispatches++);
      this.running.set(owner!, (this.running.get(owner!) ?? 0) + 1);
      void this.run(thread, job, owner!);
    }
  }

  /** An owner's parse ended: one with nothing waiting or running is forgotten (the map stays as small as the queue). */
  private finished(owner: number): void {
    const n = (this.running.get(owner) ?? 1) - 1;
    if (n > 0) this.running.set(owner, n);
    else this.running.delete(owner);
    if (n <= 0 && !this.waiting.has(owner)) this.served.delete(owner);
  }

  private freeThread(): ParserThread | undefined {
    const idle = this.threads.find((t) => !this.busy.has(t));
    if (idle) return idle;
    if (this.threads.length >= this.size) return undefined;
    const t = new ParserThread(this.heapMb, this.deadlineMs);
    this.threads.push(t);
    return t;
  }

  private async run(thread: ParserThread, job: Job, owner: number): Promise<void> {
    clearTimeout(this.idleTimers.get(thread));
    this.idleTimers.delete(thread);
    this.busy.add(thread);
    this.stats.mostAtOnce = Math.max(this.stats.mostAtOnce, this.busy.size);
    let reply: PoolReply;
    try {
      reply = await thread.post(job.request, job.signal, job.onHash);
    } finally {
      this.busy.delete(thread);
      this.finished(owner);
    }
    this.stats.parsed++;
    // Ended already (deadline, cancel, out of memory); after a bound, ended here to let its memory go.
    if (typeof reply === 'string') this.stats.ended++;
    else if ('error' in reply && reply.error.code === 'DOCUMENT_TOO_LARGE') {
      thread.close();
      this.stats.ended++;
    }
    job.settle(reply);
    this.dispatch();
    if (!this.busy.has(thread) && !this.closed) {
      const timer = setTimeout(() => {
        this.idleTimers.delete(thread);
        if (!this.busy.has(thread)) thread.close();
      }, this.idleMs);
      // An idle thread's timer keeps no process alive.
      timer.unref();
      this.idleTimers.set(thread, timer);
    }
  }
}
