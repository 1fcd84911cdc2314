/**
 * The simulator's state and knobs: options, counters, the seeded random
 * streams, the rate-limit bucket, the answer cache and the pending timers,
 * with the helpers every handler uses (send, later, sampleLatency).
 */
import type { ServerResponse } from 'node:http';
import { SIM_HEADER } from '../runtime/simulator-mark.js';
import type { Completion } from './completion.js';
import { OpenAiRateLimits } from './openai-rate-limits.js';
import { mergeSimOptions, SIM_DEFAULTS, SIM_LIMIT_KEYS, type SimulatorOptions } from './options.js';
import { PromptPrefixCache } from './prompt-cache.js';
import { type ProviderProfile, profileOf } from './provider-profiles.js';
import { TokenBucket } from './rate-limit.js';
import { mulberry32, normal, type Rng } from './rng.js';
import { emptyStats, type SimulatorStats } from './stats.js';

type ResolvedOptions = ReturnType<typeof mergeSimOptions>;

export class SimState {
  opts: ResolvedOptions;
  stats: SimulatorStats;
  faultRng: Rng;
  private latencyRng: Rng;
  bucket: TokenBucket | null;
  /** The `tpm` / `rpm` limits per model (openai-rate-limits.ts), null when neither is set. */
  rateLimits: OpenAiRateLimits | null;
  /** Answers by request text (and quirk): the same request is answered alike without recomputing. */
  readonly answers = new Map<string, Completion>();
  /** Prompt prefixes seen, for `cached_tokens` (profiles that report it). */
  readonly promptCache = new PromptPrefixCache();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The armed gate's held answers (options.ts gate); null when no gate is armed or it has opened. */
  private gateHeld: (() => void)[] | null = null;
  private gateTimer: NodeJS.Timeout | undefined;

  constructor(options: SimulatorOptions) {
    this.opts = mergeSimOptions(SIM_DEFAULTS, options);
    this.stats = emptyStats(this.opts.record);
    this.faultRng = mulberry32(this.opts.seed);
    this.latencyRng = mulberry32(this.opts.seed ^ 0x9e3779b9);
    this.bucket = bucketOf(this.opts);
    this.rateLimits = OpenAiRateLimits.of(this.opts);
    if (this.opts.gate) this.gateHeld = [];
  }

  /**
   * Runs `fn` (a request's answering) now, or, while a gate is armed, once
   * `gate.requests` requests are held or its timeout passes, whichever first.
   */
  gated(fn: () => void): void {
    const held = this.gateHeld;
    const gate = this.opts.gate;
    if (!held || !gate) {
      fn();
      return;
    }
    held.push(fn);
    if (held.length === 1)
      this.gateTimer = setTimeout(() => {
        this.stats.gateTimedOut = true;
        this.openGate();
      }, gate.timeoutMs ?? GATE_TIMEOUT_MS);
    if (held.length >= gate.requests) this.openGate();
  }

  private openGate(): void {
    const held = this.gateHeld ?? [];
    this.gateHeld = null;
    clearTimeout(this.gateTimer);
    for (const fn of held) fn();
  }

  /** Sends a response; only chat answers (`chat`) count in byStatus. */
  send(
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
    chat = true,
  ): void {
    if (res.destroyed) return;
    if (chat) {
      this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
      this.stats.lastAnswerAt = performance.timeOrigin + performance.now();
    }
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      [SIM_HEADER]: '1',
      ...headers,
      // A hostile provider's headers win over the true ones (options.ts answerHeaders).
      ...(chat ? this.opts.answerHeaders : null),
    });
    res.end(body);
  }

  /** The provider profile the simulator follows now (provider-profiles.ts). */
  get profile(): ProviderProfile {
    return profileOf(this.opts.profile);
  }

  /** Sends a 200 `text/event-stream` of `events` (a streamed chat answer); counts in byStatus. */
  sendStream(res: ServerResponse, events: readonly string[], headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    this.stats.byStatus[200] = (this.stats.byStatus[200] ?? 0) + 1;
    this.stats.lastAnswerAt = performance.timeOrigin + performance.now();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      [SIM_HEADER]: '1',
      ...headers,
      ...this.opts.answerHeaders,
    });
    for (const e of events) res.write(e);
    res.end();
  }

  /** Runs `fn` after `ms` (at once when 0); close() cancels what is still pending. */
  later(ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /**
   * When the answer to a request arriving now is due: now plus a sampled
   * latency. It counts from arrival, as a provider's response time does:
   * reading the body and composing the answer happen inside it. The
   * simulator stands in for a fleet that answers requests side by side; here
   * it answers them one after another on one thread, and a burst of packed
   * requests (16 answers each) would otherwise reach the engine late by its
   * own queueing, which no real provider adds to its latency.
   */
  dueTime(): number {
    return performance.now() + this.sampleLatency();
  }

  /** Runs `fn` at `due` (a performance.now() time), at once if it has passed. */
  at(due: number, fn: () => void): void {
    const now = performance.now();
    const left = due - now;
    if (left <= 0) {
      this.stats.answeredLateMs -= left;
      fn();
      return;
    }
    // A timer may fire up to a millisecond early by performance.now() (libuv keeps a
    // whole-millisecond loop clock): checked again then, so no answer is ever early.
    this.later(Math.ceil(left), () => this.at(due, fn));
  }

  private sampleLatency(): number {
    const l = this.opts.latency;
    if (l) return l.medianMs * Math.exp(l.sigma * normal(this.latencyRng));
    return this.opts.latencyMs;
  }

  resetStats(): void {
    const inFlight = this.stats.inFlight;
    this.stats = emptyStats(this.opts.record);
    this.stats.inFlight = inFlight;
    this.stats.maxInFlight = inFlight;
  }

  /** Changes knobs at run time (port and host stay as started). */
  setOptions(partial: SimulatorOptions): void {
    const { port: _p, host: _h, ...rest } = partial;
    const next = mergeSimOptions(this.opts, rest);
    if (next.seed !== this.opts.seed) {
      this.faultRng = mulberry32(next.seed);
      this.latencyRng = mulberry32(next.seed ^ 0x9e3779b9);
      this.answers.clear();
    }
    if (partial.rateLimit !== undefined) this.bucket = bucketOf(next);
    if (partial.tpm !== undefined || partial.rpm !== undefined) this.rateLimits = OpenAiRateLimits.of(next);
    if (next.record && !this.stats.promptsSeen) this.stats.promptsSeen = [];
    // Answers depend on these: cached ones would be stale.
    if (
      partial.quirks !== undefined ||
      partial.hugeBytes !== undefined ||
      partial.costPerMillion !== undefined ||
      partial.prices !== undefined ||
      partial.verboseTokens !== undefined ||
      partial.usageOverride !== undefined ||
      SIM_LIMIT_KEYS.some((k) => partial[k] !== undefined) ||
      (partial.profile !== undefined && partial.profile !== this.opts.profile)
    ) {
      this.answers.clear();
    }
    if (partial.profile !== undefined && partial.profile !== this.opts.profile) this.promptCache.clear();
    this.opts = next;
    // Saying `gate` again arms a new one (answers held by an earlier gate go on now).
    if (partial.gate !== undefined) {
      this.openGate();
      if (next.gate) this.gateHeld = [];
    }
  }

  clearTimers(): void {
    // Closing: answers still held by a gate are dropped with their sockets.
    clearTimeout(this.gateTimer);
    this.gateHeld = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** How long a gate holds answers when it does not fill (options.ts gate.timeoutMs). */
const GATE_TIMEOUT_MS = 30_000;

function bucketOf(opts: ResolvedOptions): TokenBucket | null {
  return opts.rateLimit ? new TokenBucket(opts.rateLimit.rps, opts.rateLimit.burst) : null;
}
