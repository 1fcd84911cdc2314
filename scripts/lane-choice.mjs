// Which queued test file a lane of scripts/run-tests.mjs takes next (the queue is longest first).

/**
 * The index in `queue` of the file a lane takes now, or -1. A waiting lane (beyond the cores)
 * takes only files that mostly wait. Where such a lane exists, a core lane takes the longest file
 * that keeps a core busy, and a waiting one only when no busy file can start: a waiting file on a
 * core lane leaves that core mostly idle while it waits (its children, timers, the network).
 * Without a waiting lane, the longest file that can start, whatever its kind.
 *
 * @template F
 * @param {boolean} waitingOnly the lane is the one beyond the cores
 * @param {readonly F[]} queue
 * @param {(f: F) => boolean} startable its resources are free now
 * @param {(f: F) => boolean} waits its last run mostly waited
 * @param {boolean} waitingLane a waiting lane runs beside the core lanes
 */
export function nextFileFor(waitingOnly, queue, startable, waits, waitingLane) {
  if (waitingOnly) return queue.findIndex((f) => startable(f) && waits(f));
  if (waitingLane) {
    const busy = queue.findIndex((f) => startable(f) && !waits(f));
    if (busy >= 0) return busy;
  }
  return queue.findIndex(startable);
}
