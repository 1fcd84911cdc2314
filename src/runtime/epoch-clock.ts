/**
 * Milliseconds since the epoch, sub-millisecond and monotonic within a
 * process: threads and processes on one host agree on it (workers share a
 * breaker's and a gate's timestamps through shared memory; a queue job's
 * times are read on the coordinator), and on different hosts within their
 * clocks' skew.
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The same in whole microseconds, as shared BigInt64 cells hold it. */
export function epochUs(): bigint {
  return BigInt(Math.round(epochMs() * 1000));
}
