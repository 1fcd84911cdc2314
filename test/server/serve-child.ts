/**
 * A server in a process of its own, for tests that measure its memory:
 * prints `{"port": n}` once listening, stops on SIGTERM. Options come as JSON
 * in argv[2] (startServer limits).
 */
import { startServerFixture } from './helpers.js';

const options = JSON.parse(process.argv[2] ?? '{}') as Record<string, number>;
const f = await startServerFixture(options);
process.stdout.write(`${JSON.stringify({ port: f.port })}\n`);
process.on('SIGTERM', () => {
  void f.close().then(() => process.exit(0));
});
