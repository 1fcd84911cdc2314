/**
 * The single-flight calls one statement leads (cache/answer-flights.ts), by
 * dispatch target and row index (indexes repeat across an operator's
 * functions): a row that leads a call lands its flight when its outcome
 * comes back, so the rows waiting on that call take the answer; a row whose
 * call will not be made lands it empty, so they go their own way.
 */
import type { Flight, FlightAnswer } from '../cache/answer-flights.js';
import type { ChunkRow, RowOutcome } from '../thread/chunk-protocol.js';
import type { DispatchTarget } from './dispatch-spec.js';
import { answeredByModel } from './row-bookkeeping.js';

export class LedFlights {
  private readonly byTarget = new Map<DispatchTarget, Map<number, Flight>>();

  /** The flights led for `target`'s rows, by row index (a chunk sets its leaders' here). */
  of(target: DispatchTarget): Map<number, Flight> {
    let led = this.byTarget.get(target);
    if (!led) {
      led = new Map();
      this.byTarget.set(target, led);
    }
    return led;
  }

  /** Lands the flights these outcomes' rows lead: the rows waiting on them take the answer. */
  land(target: DispatchTarget, outcomes: readonly RowOutcome[]): void {
    const led = this.byTarget.get(target);
    if (!led || led.size === 0) return;
    for (const o of outcomes) {
      const flight = led.get(o.index);
      if (!flight) continue;
      led.delete(o.index);
      flight.land(flightAnswer(o));
    }
  }

  /** Lands the flights of rows whose call will not be made: the rows waiting on them go their own way. */
  abandon(target: DispatchTarget, rows: readonly ChunkRow[]): void {
    const led = this.byTarget.get(target);
    if (!led) return;
    for (const row of rows) {
      const flight = led.get(row.index);
      if (!flight) continue;
      led.delete(row.index);
      flight.land(undefined);
    }
  }
}

/** A row's outcome as the rows waiting on its call see it. */
function flightAnswer(o: RowOutcome): FlightAnswer {
  return o.ok
    ? { ok: true, output: o.output, sessionId: o.sessionId, cacheable: answeredByModel(o) }
    : { ok: false, errorCode: o.errorCode, error: o.error };
}
