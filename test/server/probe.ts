/**
 * What the server tests use to watch one client while another attacks:
 * a probe client asking `SELECT 1` in a loop, and a Postgres CancelRequest
 * sent as libpq sends it. PROBE_LOG=1 prints each probe's longest answer.
 */
import { connect } from 'node:net';
import type pg from 'pg';
import * as assert from 'uvu/assert';

/** What `work` gave while `probe` asked SELECT 1 every 10 ms: the probes answered and the longest. */
export interface Probed<T> {
  readonly value: T;
  readonly probes: number;
  readonly maxMs: number;
}

/** Runs `work` while `probe` asks SELECT 1 every 10 ms (each answer checked). */
export async function probed<T>(probe: pg.Client, work: () => Promise<T>): Promise<Probed<T>> {
  let maxMs = 0;
  let probes = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const began = performance.now();
      const { rows } = await probe.query('SELECT 1 AS one');
      assert.equal(rows, [{ one: 1 }]);
      maxMs = Math.max(maxMs, performance.now() - began);
      probes++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    return { value: await work(), probes, maxMs };
  } finally {
    stop = true;
    await loop;
    if (process.env.PROBE_LOG) console.log(`probe max ${Math.round(maxMs)} ms over ${probes}`);
  }
}

/** Sends a CancelRequest for the session `pid`/`secret` on a fresh socket, as libpq does. */
export function sendCancel(port: number, pid: number, secret: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      const b = Buffer.alloc(16);
      b.writeInt32BE(16, 0);
      b.writeInt32BE(80877102, 4);
      b.writeInt32BE(pid, 8);
      b.writeInt32BE(secret, 12);
      s.end(b);
    });
    s.on('close', () => resolve());
    s.on('error', reject);
  });
}

/** The CancelRequest for node-postgres client `c`'s session. */
export function cancelClient(port: number, c: pg.Client): Promise<void> {
  const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
  return sendCancel(port, processID, secretKey);
}
