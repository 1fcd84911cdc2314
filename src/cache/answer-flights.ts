/**
 * Single flight for answers: while a call for a cache key is in flight, an
 * identical row (same cache key) waits for that call's answer instead of
 * paying for its own. One registry per engine (on the result cache) covers
 * every statement, session and server client of the engine; a statement that
 * bypasses the cache keeps its own, so its identical rows share only among
 * themselves (row-dispatch.ts).
 */
import type { ErrorCode } from '../../base/errors.js';

/** What a leading call gave, as the rows waiting on it see it. */
export type FlightAnswer =
  | {
      readonly ok: true;
      readonly output: unknown;
      /** The leading run's session id: the waiting rows' log rows name it. */
      readonly sessionId: string;
      /**
       * A model answered (the cache stores it): other statements may take it. A
       * tool-only answer reads data that may change, so only its own statement does.
       */
      readonly cacheable: boolean;
    }
  | { readonly ok: false; readonly errorCode: ErrorCode; readonly error: string };

/** One call in flight for a key. `owner` is the statement that leads it. */
export class Flight {
  private landed: Promise<FlightAnswer | undefined> | undefined;
  private wake: ((answer: FlightAnswer | undefined) => void) | undefined;

  constructor(
    readonly key: string,
    readonly owner: object,
    private readonly registry: Map<string, Flight>,
  ) {}

  /** Resolves with the leading call's answer, or undefined if it was never made (its statement stopped). */
  wait(): Promise<FlightAnswer | undefined> {
    this.landed ??= new Promise((resolve) => {
      this.wake = resolve;
    });
    return this.landed;
  }

  /**
   * Ends the flight. Call it once the answer is in the cache's memory (if it is
   * cacheable): from then on a row with this key finds it there, not here.
   */
  land(answer: FlightAnswer | undefined): void {
    if (this.registry.get(this.key) === this) this.registry.delete(this.key);
    this.wake?.(answer);
    this.landed ??= Promise.resolve(answer);
  }
}

export class AnswerFlights {
  private readonly inFlight = new Map<string, Flight>();

  /** The call in flight for `key`, if any. */
  find(key: string): Flight | undefined {
    return this.inFlight.get(key);
  }

  /** A new flight for `key` (none is in the air), led by `owner`. */
  lead(key: string, owner: object): Flight {
    const flight = new Flight(key, owner, this.inFlight);
    this.inFlight.set(key, flight);
    return flight;
  }

  /** Keys with a call in flight (tests check nothing is left behind). */
  get size(): number {
    return this.inFlight.size;
  }
}
