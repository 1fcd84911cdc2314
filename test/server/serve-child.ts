/**
 * A server in a process of its own, for tests that measure its memory:
 * prints `{"port": n}` once listening, stops on SIGTERM. Options come as JSON
 * in argv[2] (startServer limits). The server is set up as the server tests'
 * fixture sets up theirs (helpers.ts startServerFixture).
 *
 * It runs the build when the test runner says it is current
 * (RVBBIT_ENTRIES=dist), as a user's `rvbbit serve` does: what these tests
 * bound is the server's memory, and the sources compiled by tsx in this
 * process held ~15 MB more of live heap, which V8 multiplies into a later
 * full GC (a million-statement Query's peak grew 237–260 MB against its
 * 256 MB bound from source). Nothing here imports helpers.ts, which would
 * load the sources anyway.
 */
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const entry = process.env.RVBBIT_ENTRIES === 'dist' ? `${ROOT}dist/index.js` : `${ROOT}src/index.ts`;
const { createEngine, startServer, startSimulator } = (await import(
  entry
)) as typeof import('../../src/index.js');

const options = JSON.parse(process.argv[2] ?? '{}') as Record<string, number>;
const simulator = await startSimulator({ costPerMillion: { in: 0.15, out: 0.6 } });
const engine = await createEngine({
  cascadeRoots: [`${ROOT}examples/cascades`],
  provider: { baseUrl: simulator.url, model: 'sim-small', maxConcurrency: 1000 },
  threads: 2,
});
await engine.query(`CREATE TABLE products AS SELECT * FROM read_csv('${ROOT}examples/data/products.csv')`);
const server = await startServer({ engine, port: 0, log: () => undefined, ...options });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await server.close();
    await engine.close();
    await simulator.close();
    process.exit(0);
  })();
});
