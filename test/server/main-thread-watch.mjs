// Preloaded into a spawned `rvbbit serve` (NODE_OPTIONS=--import, probe.ts mainThreadWatch):
// logs each turn of the server's event loop that held its main thread (turn-clock.mjs), which
// is what holds every other client's answer (a SELECT 1 took 1,508 ms at load 6-10, 7,153 ms
// at load 15, while the server's longest turn ran under 0.5 s of CPU). One JSON line a turn.
// Plain JavaScript: the server may run from the build, without tsx.
import { appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { watchTurns } from './turn-clock.mjs';

const LOG_VARIABLE = 'RVBBIT_TEST_MAIN_THREAD_LOG';
const log = process.env[LOG_VARIABLE];
// Read once: processes this one starts do not log into the same file.
delete process.env[LOG_VARIABLE];

/** Turns held (or late) at least this long are logged; every HEARTBEAT_TICKS-th turn too. */
const LOGGED_MS = 5;
const HEARTBEAT_TICKS = 20;

if (log && isMainThread) {
  let ticks = 0;
  watchTurns((turn) => {
    if (turn.heldMs >= LOGGED_MS || turn.wallMs >= LOGGED_MS || ++ticks % HEARTBEAT_TICKS === 0)
      appendFileSync(log, `${JSON.stringify(turn)}\n`);
  });
}
