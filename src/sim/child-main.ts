/** Entry of the simulator's child process: options as JSON in argv[2]; prints {"url"} on one line. */
import { startSimulator } from './server.js';

const sim = await startSimulator(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`${JSON.stringify({ url: sim.url, port: sim.port })}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent holds our stdin open; end of input means it is gone.
process.stdin.on('end', stop);
process.stdin.resume();
