/**
 * What bounds a template's render besides the template's own limits (steps,
 * size: jinja-interpreter.ts, templates.ts): its time, the statement it renders
 * for, and what that statement's earlier renders did.
 *
 * A render is synchronous: it holds its thread until it ends, and an
 * AbortSignal fires only through the event loop, which a render never yields
 * to. So a statement's signal may carry a synchronous poll
 * (thread/abort-flag.ts gives every worker's statement signal one that reads
 * the statement's shared flag with Atomics), which a render checks every
 * POLL_EVERY steps: a cancelled statement's render stops at once, and the
 * pool thread is free for other statements.
 *
 * A template that runs away on every row would cost its time bound per row of
 * a thread that other clients' statements share (a server's pool has one
 * thread on two cores). So once one template's renders overran their bounds
 * OVERRUNS_PER_STATEMENT times in a statement (in this thread), its later
 * renders for that statement fail at once with that error: a few rows with
 * oversized inputs still render the rest, a template that never ends costs
 * three bounds, not one per row.
 */
import { isMainThread } from 'node:worker_threads';

/**
 * A render's time bound, ms, by the thread it runs on. A worker's render holds
 * one pool thread; one on the main thread (RUN, the library's runCascade)
 * holds every client of a server, which is promised an answer within 1 s.
 */
export const RENDER_MS_ON = { main: 250, worker: 1_000 } as const;
/** This thread's render time bound, ms. */
export const RENDER_MS = isMainThread ? RENDER_MS_ON.main : RENDER_MS_ON.worker;
/** Renders check their clock and their statement's stop poll every this many steps. */
export const POLL_EVERY = 1024;
/** Overruns of one template in one statement after which it is not rendered again for it. */
export const OVERRUNS_PER_STATEMENT = 3;

/** A render stopped because its statement was cancelled. */
export class RenderStopped extends Error {
  override name = 'RenderStopped';
  constructor() {
    super('the statement was cancelled');
  }
}

/** A render that ran over one of its bounds (time, steps, size). */
export class RenderOverrun extends Error {
  override name = 'RenderOverrun';
}

const polls = new WeakMap<AbortSignal, () => boolean>();

/** Gives `signal` a synchronous poll: true once its statement is stopped, before the signal fires. */
export function addStopPoll(signal: AbortSignal, poll: () => boolean): void {
  polls.set(signal, poll);
}

/** True when `signal`'s statement is stopped, as far as can be told without the event loop. */
export function stoppedNow(signal: AbortSignal | undefined): boolean {
  if (!signal) return false;
  return signal.aborted || polls.get(signal)?.() === true;
}

/** The check a render calls every POLL_EVERY steps; undefined when nothing can stop it. */
export function stopCheck(signal: AbortSignal | undefined): (() => boolean) | undefined {
  if (!signal) return undefined;
  const poll = polls.get(signal);
  return poll ? () => signal.aborted || poll() : () => signal.aborted;
}

interface Overruns {
  count: number;
  readonly first: Error;
}

/** By statement signal, then by template: what overran. */
const overrunsBySignal = new WeakMap<AbortSignal, Map<object, Overruns>>();

/** The first overrun of `template` in `signal`'s statement, once it has overrun OVERRUNS_PER_STATEMENT times. */
export function givenUp(signal: AbortSignal | undefined, template: object): Error | undefined {
  if (!signal) return undefined;
  const seen = overrunsBySignal.get(signal)?.get(template);
  return seen && seen.count >= OVERRUNS_PER_STATEMENT ? seen.first : undefined;
}

export function noteOverrun(signal: AbortSignal | undefined, template: object, err: Error): void {
  if (!signal) return;
  let byTemplate = overrunsBySignal.get(signal);
  if (!byTemplate) {
    byTemplate = new Map();
    overrunsBySignal.set(signal, byTemplate);
  }
  const seen = byTemplate.get(template);
  if (seen) seen.count++;
  else byTemplate.set(template, { count: 1, first: err });
}

/** The note a given-up template's error carries. */
export const GIVEN_UP_NOTE = ` (the template overran its bounds ${OVERRUNS_PER_STATEMENT} times in this statement: not rendered again)`;

/** Depth of withoutTimeBound calls on this thread (renders are synchronous: nothing interleaves). */
let untimed = 0;

/**
 * The steps an untimed render may take (liquidjs: template pieces and loop
 * iterations; Jinja: nodes and loop iterations): 200,000, 40 times a
 * 16-call packed candidates prompt of 48 values each (measured: 4,912) and
 * about twice one of 16 × 1,024 (`-- @ small_side`'s most). The endless
 * fixtures (test/fixtures/cascades/endless) stop at it in 574 ms (Liquid)
 * and 952 ms (Jinja) of wall time at a load of ~18 on 2 cores.
 */
export const UNTIMED_STEPS = 200_000;

/**
 * Runs `f` with its renders bounded by their steps and size only, not by
 * time: for the cost model (plan/call-cost.ts requestCost), which renders a
 * call's prompt to count it. A clock bound there made an estimate depend on
 * the machine's load: on 2 busy cores a packed prompt's render passed the
 * main thread's 250 ms now and then, and the estimate fell back to one row's
 * tokens (EXPLAIN priced a 64-call small side at ~43,603 or ~31,666 input
 * tokens instead of ~55,540, one or two 16-call prompts' images missing).
 * A step bound (UNTIMED_STEPS) stands for the clock there: a template that
 * never ends stops at it, on every machine at the same step.
 */
export function withoutTimeBound<T>(f: () => T): T {
  untimed++;
  try {
    return f();
  } finally {
    untimed--;
  }
}

/**
 * One render's clock and stop check. The engines call `tick()` once per step
 * (Jinja: every node evaluated and every block, so every loop iteration even
 * with an empty body; Liquid: every template piece and every loop
 * iteration); every POLL_EVERY ticks it reads the clock and the statement's
 * stop poll.
 */
export class RenderBudget {
  private ticks = 0;
  private readonly deadline: number;

  constructor(private readonly stop: (() => boolean) | undefined) {
    this.deadline = untimed > 0 ? Number.POSITIVE_INFINITY : performance.now() + RENDER_MS;
  }

  tick(): void {
    if (++this.ticks % POLL_EVERY === 0) this.check();
  }

  /**
   * A step whose caller read the clock already (liquidjs reads it at each):
   * the time is checked at every step, so one long step (a huge range) is
   * followed by the overrun, not by POLL_EVERY more.
   */
  tickAt(now: number): void {
    if (now > this.deadline) throw this.overrun();
    this.tick();
  }

  /** Throws RenderStopped when the statement is stopped, RenderOverrun past the time bound. */
  check(): void {
    if (this.stop?.()) throw new RenderStopped();
    if (this.deadline === Number.POSITIVE_INFINITY && this.ticks > UNTIMED_STEPS)
      throw new RenderOverrun(`the template ran over its bound of ${UNTIMED_STEPS} steps`);
    if (performance.now() > this.deadline) throw this.overrun();
  }

  private overrun(): RenderOverrun {
    return new RenderOverrun(`the template ran over its time bound of ${RENDER_MS} ms`);
  }
}

/**
 * Runs one render of `template` for `signal`'s statement under a fresh
 * RenderBudget: fails at once when the statement is stopped or the template
 * was given up for it, and notes an overrun.
 */
export function boundedRender<T>(
  signal: AbortSignal | undefined,
  template: object,
  render: (budget: RenderBudget) => T,
): T {
  const first = givenUp(signal, template);
  if (first) throw new RenderOverrun(first.message + GIVEN_UP_NOTE);
  if (stoppedNow(signal)) throw new RenderStopped();
  try {
    return render(new RenderBudget(stopCheck(signal)));
  } catch (err) {
    if (err instanceof RenderOverrun) noteOverrun(signal, template, err);
    throw err;
  }
}
